import { spawn } from "node:child_process";
import type { Probe } from "../../../contracts/probe";
import { killSession, processStartTime } from "../../../lib/proc";
import { clip, type ProbeRunner } from "./probe-runner";

type ExecProbe = Extract<Probe, { kind: "exec" }>;
const MAX_OUTPUT = 1024;

/** Runs the command in the instance's directory and environment, or inside it (a container); exit 0 in time passes. */
export const execProbe: ProbeRunner<ExecProbe> = (probe, target, timeoutMs) => (target.execInside ? execInside(probe, target, timeoutMs) : execOnHost(probe, target, timeoutMs));

/** Inside the instance (a container), through its runtime. */
const execInside: ProbeRunner<ExecProbe> = async (probe, target, timeoutMs) => {
  try {
    const { code, output } = await target.execInside!(probe.command, target.env, timeoutMs);
    if (code === null) return { ok: false, message: clip(`${probe.command[0]} did not finish within ${timeoutMs} ms${output ? `: ${output}` : ""}`) };
    return { ok: code === 0, message: clip(`exited ${code}${output ? `: ${output}` : ""}`) };
  } catch (err) {
    return { ok: false, message: clip(`cannot run ${probe.command[0]} in the instance: ${(err as Error).message}`) };
  }
};

/**
 * On Gantry's host. The command leads a session of its own: what it leaves running when it exits,
 * or overruns, is killed with it (a probe's children would otherwise pile up, one set per period,
 * and hold its output open). Probes run often, so other groups of the session are looked for only
 * when its own group had leftovers.
 */
const execOnHost: ProbeRunner<ExecProbe> = (probe, target, timeoutMs) =>
  new Promise((resolve) => {
    const [file, ...args] = probe.command;
    const child = spawn(file!, args, { cwd: target.cwd, env: target.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let startTime = 0n;
    child.once("spawn", () => (startTime = processStartTime(child.pid!) ?? 0n));
    const endSession = () => child.pid !== undefined && killSession(child.pid, startTime, { scan: "if-group-left" });
    let output = "";
    const collect = (chunk: Buffer) => {
      if (output.length < MAX_OUTPUT) output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      endSession();
    }, timeoutMs);
    child.once("exit", endSession);
    child.once("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: clip(`cannot run ${file}: ${err.message}`) });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ ok: false, message: clip(`${file} did not finish within ${timeoutMs} ms; killed${output ? `: ${output}` : ""}`) });
      const status = code === 0 ? "exited 0" : signal ? `killed by ${signal}` : `exited ${code}`;
      resolve({ ok: code === 0, message: clip(`${status}${output ? `: ${output}` : ""}`) });
    });
  });
