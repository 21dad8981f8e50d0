import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isSameProcess, processStartTime } from "../../../lib/proc";
import { runtimeCommand } from "./runtime-api";

/** Where an HAProxy data plane keeps its files, in Gantry's data dir. */
export type HaproxyFiles = { config: string; socket: string; masterSocket: string; log: string };

export const haproxyFiles = (dataDir: string): HaproxyFiles => ({
  config: path.join(dataDir, "haproxy.cfg"),
  socket: path.join(dataDir, "haproxy.sock"),
  masterSocket: path.join(dataDir, "haproxy-master.sock"),
  log: path.join(dataDir, "haproxy.log"),
});

/** The master and its workers, as the master's `show proc` lists them: the current one, and those reloads replaced that still finish their connections. */
export type ProcessTable = { master: number; reloads: number; failedReloads: number; worker: number | undefined; workers: number[] };

/** Parses the master CLI's `show proc`: the current worker is the one no reload has passed over (0 reloads). */
export function parseShowProc(text: string): ProcessTable {
  const master = /^(\d+)\s+master\s+(\d+)\s+\[failed: (\d+)\]/m.exec(text);
  if (!master) throw new Error(`not a show proc answer: ${JSON.stringify(text.slice(0, 120))}`);
  const workers = [...text.matchAll(/^(\d+)\s+worker\s+(\d+)\s/gm)].map((m) => ({ pid: Number(m[1]), reloads: Number(m[2]) }));
  return { master: Number(master[1]), reloads: Number(master[2]), failedReloads: Number(master[3]), worker: workers.find((w) => w.reloads === 0)?.pid, workers: workers.map((w) => w.pid) };
}

const START_MS = 10_000;
/** A soft stop lets workers finish their requests; hard-stop-after (30 s) bounds it. */
const STOP_MS = 35_000;

/**
 * An HAProxy in master-worker mode (`-W`), controlled through its master socket: started (or, left
 * running by a previous Gantry, taken over), reloaded seamlessly (the master starts a worker on the
 * new configuration, handing it the listening sockets, and the old worker finishes its requests),
 * stopped softly. It runs in a session of its own, so that a Gantry that crashes leaves traffic
 * flowing, as the Node data plane does.
 */
export class HaproxyProcess {
  constructor(
    private readonly binary: string,
    private readonly files: HaproxyFiles,
  ) {}

  /** Checks a configuration with `haproxy -c` (in a child, not blocking Gantry's event loop); its errors if it is not valid. */
  async check(text: string): Promise<string | undefined> {
    const candidate = `${this.files.config}.candidate`;
    writePrivate(candidate, text);
    const child = spawn(this.binary, ["-c", "-q", "-f", candidate], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    fs.rmSync(candidate, { force: true });
    if (code === 0) return undefined;
    const alerts = output.split("\n").filter((line) => /ALERT/.test(line));
    return (alerts.length ? alerts : [output.trim() || `haproxy -c exited with ${code}`]).join("; ");
  }

  /** Writes the configuration file without loading it (what a change through the runtime API made of it). */
  save(text: string): void {
    writePrivate(this.files.config, text);
  }

  /** The running master's table, or undefined when no master answers. */
  async table(): Promise<ProcessTable | undefined> {
    try {
      return parseShowProc(await runtimeCommand(this.files.masterSocket, "show proc", 2000));
    } catch {
      return undefined;
    }
  }

  /**
   * Ports the running HAProxy listens on, as its configuration file says (a previous Gantry's, when
   * taking one over): none if no master answers.
   */
  async heldPorts(): Promise<Set<number>> {
    if (!(await this.table())) return new Set();
    try {
      return boundPorts(fs.readFileSync(this.files.config, "utf8"));
    } catch {
      return new Set();
    }
  }

  /** Starts HAProxy on `text`, or loads it into the one a previous Gantry left running. Resolves once a worker answers. */
  async start(text: string): Promise<"started" | "adopted"> {
    writePrivate(this.files.config, text);
    if (await this.table()) {
      await this.reload();
      return "adopted";
    }
    fs.rmSync(this.files.masterSocket, { force: true });
    const log = fs.openSync(this.files.log, "a", 0o600);
    const child = spawn(this.binary, ["-W", "-S", `${this.files.masterSocket},mode,600`, "-f", this.files.config], { detached: true, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    child.unref();
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    for (const deadline = Date.now() + START_MS; Date.now() < deadline; await sleep(20)) {
      const code = await Promise.race([exited, sleep(0, "running" as const)]);
      if (code !== "running") throw new Error(`haproxy exited (code ${code}) at start: ${this.lastLogLines()}`);
      const table = await this.table();
      if (table?.worker && (await this.workerAnswers())) return "started";
    }
    throw new Error(`haproxy did not start within ${START_MS / 1000} s: ${this.lastLogLines()}`);
  }

  /** Writes `text` and has the master reload it; resolves once the new worker answers (the old one finishes its requests). */
  async reload(text?: string): Promise<void> {
    if (text !== undefined) writePrivate(this.files.config, text);
    const before = await this.table();
    if (!before) throw new Error("haproxy's master does not answer");
    // The master re-executes itself: the connection may close without an answer.
    await runtimeCommand(this.files.masterSocket, "reload").catch(() => "");
    for (const deadline = Date.now() + START_MS; Date.now() < deadline; await sleep(20)) {
      const after = await this.table();
      if (!after) continue;
      if (after.failedReloads > before.failedReloads) throw new Error(`haproxy could not reload: ${this.lastLogLines()}`);
      if (after.reloads > before.reloads && after.worker && after.worker !== before.worker && (await this.workerAnswers())) return;
    }
    throw new Error(`haproxy did not reload within ${START_MS / 1000} s: ${this.lastLogLines()}`);
  }

  /** A worker's `show stat`, asked through the master (which reaches workers replaced by a reload too). */
  statOf(worker: number): Promise<string> {
    return runtimeCommand(this.files.masterSocket, `@!${worker} show stat`);
  }

  /**
   * Stops HAProxy: `soft` lets the workers finish their requests and connections (bounded by
   * hard-stop-after), `hard` closes everything at once (SIGTERM), for when nothing is in flight.
   */
  async stop(mode: "soft" | "hard"): Promise<void> {
    const table = await this.table();
    if (!table) return;
    // Each pid with its start time: a pid the system has given to another process since is left alone.
    const [master, ...workers] = [table.master, ...table.workers].map((pid) => ({ pid, startTime: processStartTime(pid) }));
    const running = (p: typeof master) => p.startTime !== undefined && isSameProcess(p.pid, p.startTime);
    signal(master.pid, mode === "soft" ? "SIGUSR1" : "SIGTERM");
    for (const deadline = Date.now() + STOP_MS; Date.now() < deadline && running(master); ) await sleep(50);
    if (!running(master)) return;
    for (const p of [master, ...workers]) if (running(p)) signal(p.pid, "SIGKILL");
  }

  private async workerAnswers(): Promise<boolean> {
    return runtimeCommand(this.files.socket, "show info", 2000).then(
      (answer) => answer.includes("Name: HAProxy"),
      () => false,
    );
  }

  private lastLogLines(): string {
    try {
      return fs.readFileSync(this.files.log, "utf8").trim().split("\n").slice(-5).join(" | ");
    } catch {
      return "(no log)";
    }
  }
}

/** The ports of a configuration's `bind` lines. */
export function boundPorts(text: string): Set<number> {
  return new Set([...text.matchAll(/^\s*bind\s+\S*:(\d+)(\s|$)/gm)].map((m) => Number(m[1])));
}

/** The configuration names the admin socket and every address: readable by Gantry's user only. */
function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
