import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const BIN = path.join(import.meta.dirname, "../../bin/gantry.mjs");

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Only what a test says: no GANTRY_* or config of whoever runs the tests leaks in. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("GANTRY_") && key !== "XDG_CONFIG_HOME" && key !== "NO_COLOR"));
  return { ...clean, ...env } as NodeJS.ProcessEnv;
}

/** Runs `gantry …` as a separate process, as a user's shell would, feeding `input` to its stdin. */
export function runCli(args: string[], env: Record<string, string>, input = ""): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A long-running `gantry …` (logs -f, -w): its output so far, and a way to stop it. */
export function startCli(args: string[], env: Record<string, string>): { child: ChildProcess; output(): string; errors(): string; stop(): void } {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return { child, output: () => stdout, errors: () => stderr, stop: () => void child.kill("SIGTERM") };
}
