import type { Probe } from "../../../contracts/probe";
import { killSession, processStartTime } from "../../../lib/proc";
import { sharedLauncher, type Launched } from "../../drivers/launcher";
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
 * On Gantry's host, forked by the launcher (a fork from Gantry's own thread stops it, every
 * period). The command leads a session of its own: what it leaves running when it exits, or
 * overruns, is killed with it (a probe's children would otherwise pile up, one set per period, and
 * hold its output open). Probes run often, so other groups of the session are looked for only when
 * its own group had leftovers.
 */
const execOnHost: ProbeRunner<ExecProbe> = async (probe, target, timeoutMs) => {
  const [file, ...args] = probe.command;
  let run: Launched;
  try {
    run = await sharedLauncher().start({ file: file!, args, cwd: target.cwd, env: target.env, capture: MAX_OUTPUT });
  } catch (err) {
    return { ok: false, message: clip(`cannot run ${file}: ${(err as Error).message}`) };
  }
  const startTime = processStartTime(run.pid) ?? 0n;
  const endSession = () => killSession(run.pid, startTime, { scan: "if-group-left" });
  void run.ended.then(endSession);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    endSession();
  }, timeoutMs);
  const status = await run.exited;
  clearTimeout(timer);
  const output = status?.output ?? "";
  if (timedOut) return { ok: false, message: clip(`${file} did not finish within ${timeoutMs} ms; killed${output ? `: ${output}` : ""}`) };
  if (!status) return { ok: false, message: clip(`cannot tell how ${file} ended: the launcher of probes' commands ended`) };
  const result = status.code === 0 ? "exited 0" : status.signal ? `killed by ${status.signal}` : `exited ${status.code}`;
  return { ok: status.code === 0, message: clip(`${result}${output ? `: ${output}` : ""}`) };
};
