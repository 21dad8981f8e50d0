import { describe, expect, it } from "vitest";
import { parseCount, parseResourceKind, parseScaleArgs } from "./arguments";
import type { CliIo, Environment } from "./context";
import { ExitCode } from "./exit-codes";
import { run } from "./main";

/** Runs the CLI in-process with no server: for what is decided before any request. */
async function runOffline(args: string[], env: Environment = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    stdin: process.stdin,
    env: { XDG_CONFIG_HOME: "/nonexistent-gantry-config", ...env },
    now: () => 0,
  };
  const code = await run(args, io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("scale arguments", () => {
  it("reads service=replicas pairs", () => {
    expect(parseScaleArgs(["api=3", "web=0"])).toEqual([
      { service: "api", replicas: 3 },
      { service: "web", replicas: 0 },
    ]);
  });

  it.each([
    [[], "say what to scale"],
    [["api"], "scale takes service=replicas, like api=3, not api"],
    [["api=-1"], "not api=-1"],
    [["api=two"], "not api=two"],
    [["api=101"], "api: replicas must be at most 100"],
    [["api=1", "api=2"], "api is named twice"],
  ])("refuses %j", (args, message) => {
    expect(() => parseScaleArgs(args)).toThrow(message);
  });
});

describe("other arguments", () => {
  it("takes kubectl's names for kinds", () => {
    expect(["svc", "service", "services"].map(parseResourceKind)).toEqual(["services", "services", "services"]);
    expect(parseResourceKind("rollout")).toBe("rollouts");
    expect(() => parseResourceKind("pods")).toThrow("can't get pods: choose one of services, instances, events, rollouts");
  });

  it("counts are whole numbers in range", () => {
    expect(parseCount("--tail", 1, 10)("7")).toBe(7);
    expect(() => parseCount("--tail", 1, 10)("0")).toThrow("--tail must be a whole number from 1 to 10, not 0");
    expect(() => parseCount("--tail", 1, 10)("2.5")).toThrow("not 2.5");
  });
});

describe("the command line", () => {
  it("documents the exit codes in --help", async () => {
    const { code, stdout } = await runOffline(["--help"]);
    expect(code).toBe(ExitCode.ok);
    expect(stdout).toContain("Exit codes:");
    expect(stdout).toMatch(/3 +unauthorized or forbidden .*GANTRY_TOKEN/);
    expect(stdout).toMatch(/4 +server unreachable/);
  });

  it("bad usage exits 1 with one line, before asking any server", async () => {
    for (const args of [["scale", "api"], ["get", "pods"], ["get", "services", "-o", "xml"], ["frobnicate"], ["logs"], ["completion", "fish"]]) {
      const { code, stderr } = await runOffline(args, { GANTRY_TOKEN: "t", GANTRY_URL: "http://127.0.0.1:1" });
      expect(code, args.join(" ")).toBe(ExitCode.usage);
      expect(stderr.trim().split("\n")[0], args.join(" ")).toMatch(/^(gantry: |error: )/);
    }
  });

  it("without credentials says how to get them, exit 3", async () => {
    const { code, stderr } = await runOffline(["get", "services"]);
    expect(code).toBe(ExitCode.unauthorized);
    expect(stderr).toBe("gantry: not signed in: set GANTRY_TOKEN or run `gantry login`\n");
  });

  it("a GANTRY_URL that is no URL is bad input", async () => {
    const { code, stderr } = await runOffline(["get", "services"], { GANTRY_URL: "http://[nope", GANTRY_TOKEN: "t" });
    expect(code).toBe(ExitCode.usage);
    expect(stderr).toContain("GANTRY_URL is not a URL");
  });

  it("prints completion scripts naming every command and subcommand", async () => {
    const bash = await runOffline(["completion", "bash"]);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain("complete -F _gantry gantry");
    expect(bash.stdout).toContain("'apply diff export import db get scale logs rollout restart login logout completion'");
    expect(bash.stdout).toContain("'status pause resume undo'");
    expect(bash.stdout).toContain("gantry get services -o name");
    const zsh = await runOffline(["completion", "zsh"]);
    expect(zsh.stdout.startsWith("#compdef gantry\n")).toBe(true);
    expect(zsh.stdout).toContain("'rollout:watch, pause, resume or undo a service'\\''s rollout'");
    expect(zsh.stdout).toContain("_gantry_services -S =");
  });
});
