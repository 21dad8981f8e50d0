import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { MALLOC_ENV } from "../../lib/node-tuning";
import type { ExitStatus } from "../types";
import { LaunchError, type Command } from "./detached-process";

/** What the launcher runs: a command whose output is kept, up to `capture` characters. */
export type LaunchRequest = Command & { capture: number };

/** How a command ended, with what it printed. */
export type Ended = ExitStatus & { output: string };

/**
 * A started command. `ended`: its process exited (its output may still be open, held by what it
 * left running). `exited`: it has ended and its output has closed; undefined if the launcher ended
 * first: nobody saw its end.
 */
export type Launched = { pid: number; ended: Promise<void>; exited: Promise<Ended | undefined> };

type Reply =
  | { id: number; pid?: number; error?: { code?: string; message: string } }
  | { ended: number }
  | { exited: number; code: number | null; signal: NodeJS.Signals | null; output: string };

const SCRIPT = path.join(import.meta.dirname, "launcher-process.mjs");

/**
 * Gantry's side of the launcher (launcher-process.mjs): a small process that forks the commands of
 * exec probes, which run every period, so that Gantry's main thread, which holds the database and
 * the dashboard, does not stop to fork each time (instances, started rarely, are forked by Gantry
 * itself: detached-process.ts). Started at the first command, and again at the next if it ended.
 */
export class Launcher {
  private current = new LauncherProcess();

  start(request: LaunchRequest): Promise<Launched> {
    if (!this.current.connected) this.current = new LauncherProcess();
    return this.current.start(request);
  }

  /** Closes the channel, as Gantry's exit does: the launcher ends; the instances it started keep running. */
  close(): void {
    this.current.close();
  }
}

let shared: Launcher | undefined;

/** This process's launcher, started at the first call (a Gantry without exec probes has none). It ends with Gantry. */
export function sharedLauncher(): Launcher {
  return (shared ??= new Launcher());
}

/** One launcher process and what it was asked. Like a child process, a start or an instance it watches keeps Gantry's event loop alive; an idle launcher does not. */
class LauncherProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly starting = new Map<number, { resolve: (launched: Launched) => void; reject: (err: Error) => void }>();
  private readonly running = new Map<number, { ended(): void; exited(status: Ended | undefined): void }>();

  constructor() {
    // Its own process group (Ctrl-C in Gantry's terminal is Gantry's to handle), none of Gantry's
    // environment (NODE_OPTIONS would load Gantry's loaders into it): each start brings its own.
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", ...MALLOC_ENV };
    this.child = spawn(process.execPath, [SCRIPT], { stdio: ["ignore", "inherit", "inherit", "ipc"], env: env as NodeJS.ProcessEnv, detached: true });
    this.child.unref();
    this.child.channel?.unref();
    this.child.on("message", (reply: Reply) => this.receive(reply));
    this.child.on("error", () => {}); // a failed spawn or send: its starts are refused through 'exit' below
    this.child.once("exit", (code: number | null, signal: NodeJS.Signals | null) => this.ended(code, signal));
  }

  get connected(): boolean {
    return this.child.connected;
  }

  start(request: LaunchRequest): Promise<Launched> {
    const id = this.nextId++;
    return new Promise<Launched>((resolve, reject) => {
      this.starting.set(id, { resolve, reject });
      this.holdLoop();
      this.child.send({ id, ...request }, (err) => err && this.settle(id, { error: { message: `the launcher did not take it: ${err.message}` } }));
    });
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private receive(reply: Reply): void {
    if ("ended" in reply) this.running.get(reply.ended)?.ended();
    else if ("exited" in reply) {
      const { exited, code, signal, output } = reply;
      this.finish(exited, { code, signal, output });
    }
    else this.settle(reply.id, reply);
  }

  private finish(pid: number, status: Ended | undefined): void {
    const waiters = this.running.get(pid);
    if (!waiters) return;
    this.running.delete(pid);
    waiters.ended();
    waiters.exited(status);
    this.holdLoop();
  }

  private settle(id: number, reply: { pid?: number; error?: { code?: string; message: string } }): void {
    const waiter = this.starting.get(id);
    if (!waiter) return;
    this.starting.delete(id);
    if (reply.pid === undefined) waiter.reject(new LaunchError(reply.error?.message ?? "no pid", reply.error?.code));
    else {
      let ended!: () => void;
      let exited!: (status: Ended | undefined) => void;
      const launched: Launched = { pid: reply.pid, ended: new Promise((resolve) => (ended = resolve)), exited: new Promise((resolve) => (exited = resolve)) };
      this.running.set(reply.pid, { ended, exited });
      waiter.resolve(launched);
    }
    this.holdLoop();
  }

  private holdLoop(): void {
    if (!this.child.connected) return;
    if (this.starting.size + this.running.size > 0) this.child.channel?.ref();
    else this.child.channel?.unref();
  }

  /** The launcher ended (it never should while Gantry runs): its starts are refused, its instances watched by others. */
  private ended(code: number | null, signal: NodeJS.Signals | null): void {
    const why = `the launcher of probes' commands ended (${signal ?? `exit code ${code}`})`;
    for (const id of [...this.starting.keys()]) this.settle(id, { error: { message: why } });
    for (const pid of [...this.running.keys()]) this.finish(pid, undefined);
  }
}
