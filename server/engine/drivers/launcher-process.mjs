// The launcher: a small Node process that forks the commands of exec probes for Gantry.
//
// Forking copies the parent's page tables, and while it does, the parent's thread is stopped:
// ~3 ms each time for Gantry's main process, which holds the database and the dashboard (a bare
// Node process: under 1 ms). Instances are started rarely and Gantry forks them itself; a probe's
// command runs every period, for every instance, so those forks are made here, in a process that
// holds next to nothing. Plain JavaScript with only Node's own modules, so it starts in tens of ms
// and stays small. It ends as soon as Gantry's channel closes.
//
// Messages (Node's IPC channel, JSON):
//   in  { id, file, args, cwd, env, capture }          run a command, keeping up to `capture` characters of its output
//   out { id, pid } | { id, error: { code, message } } started, or could not
//   out { ended: pid }                                 its process exited (Gantry ends what it left, which would hold the output open)
//   out { exited: pid, code, signal, output }          its output closed
import { spawn } from "node:child_process";

/** Gantry may be gone already (its channel closed): then nobody is left to tell. */
const tell = (message) => process.connected && process.send(message);

function start({ id, file, args, cwd, env, capture }) {
  let child;
  try {
    child = spawn(file, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    tell({ id, error: { code: err.code, message: err.message } });
    return;
  }
  child.once("spawn", () => tell({ id, pid: child.pid }));
  child.once("error", (err) => {
    if (child.pid === undefined) tell({ id, error: { code: err.code, message: err.message } });
  });
  let output = "";
  const collect = (chunk) => {
    if (output.length < capture) output += chunk.toString("utf8");
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  child.once("exit", () => tell({ ended: child.pid }));
  child.once("close", (code, signal) => child.pid !== undefined && tell({ exited: child.pid, code, signal, output }));
}

process.on("message", (message) => start(message));
process.on("disconnect", () => process.exit(0));
