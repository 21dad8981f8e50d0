// The launcher: a small Node process that forks instances and exec probes' commands for Gantry.
//
// Forking copies the parent's page tables, and while it does, the parent's thread is stopped.
// Gantry holds its embedded database (PGlite's WASM heap) and the dashboard, hundreds of MB, so
// each spawn stopped its main thread for ~80 ms (a bare Node process: ~8 ms); this process holds
// next to nothing. Plain JavaScript with only Node's own modules, so it starts in tens of ms and
// stays small. What it starts leads a session of its own; instances write their own log files, so
// they keep running when this process ends, which it does as soon as Gantry's channel closes.
//
// Messages (Node's IPC channel, JSON):
//   in  { id, file, args, cwd, env, stdoutPath, stderrPath }  start an instance, output appended to two files
//   in  { id, file, args, cwd, env, capture }                 run a command, keeping up to `capture` characters of its output
//   out { id, pid } | { id, error: { code, message } }         started, or could not
//   out { ended: pid }                                         a command's process exited (Gantry ends what it left,
//                                                              which would hold the output open)
//   out { exited: pid, code, signal, output? }                 an instance ended, or a command's output closed
import { spawn } from "node:child_process";
import fs from "node:fs";

/** Gantry may be gone already (its channel closed): then nobody is left to tell. */
const tell = (message) => process.connected && process.send(message);

function start({ id, file, args, cwd, env, stdoutPath, stderrPath, capture }) {
  const files = [];
  let child;
  try {
    // What an instance prints may hold anything (tokens, customer data): for Gantry's user alone.
    if (!capture) files.push(fs.openSync(stdoutPath, "a", 0o600), fs.openSync(stderrPath, "a", 0o600));
    child = spawn(file, args, { cwd, env, detached: true, stdio: ["ignore", ...(capture ? ["pipe", "pipe"] : files)] });
  } catch (err) {
    tell({ id, error: { code: err.code, message: err.message } });
    return;
  } finally {
    for (const fd of files) fs.closeSync(fd);
  }
  child.once("spawn", () => tell({ id, pid: child.pid }));
  child.once("error", (err) => {
    if (child.pid === undefined) tell({ id, error: { code: err.code, message: err.message } });
  });
  if (!capture) {
    child.once("exit", (code, signal) => tell({ exited: child.pid, code, signal }));
    return;
  }
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
