import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe as probeSchema, type ProbeInput } from "../../../contracts/probe";
import { processStat } from "../../../lib/proc";
import { tempDir } from "../../../testing/gantry";
import { waitFor } from "../../../testing/wait";
import { runProbe, type ProbeTarget } from "./index";

let server: http.Server;
let target: ProbeTarget;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2000);
    if (req.url === "/headers") return void res.end(String(req.headers["x-probe"]));
    res.statusCode = Number(req.url?.slice(1)) || 200;
    res.end(`status ${res.statusCode}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  target = { host: "127.0.0.1", port: (server.address() as net.AddressInfo).port, cwd: "/tmp", env: { PATH: process.env.PATH!, GREETING: "hi" } };
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const check = (input: ProbeInput, to = target, timeoutMs = 500) => runProbe(probeSchema.parse(input), to, timeoutMs);

describe("http probe", () => {
  it.each([
    ["/200", true],
    ["/302", true],
    ["/399", true],
    ["/404", false],
    ["/503", false],
  ])("GET %s → ok %s, with the status and body in the message", async (path, ok) => {
    const result = await check({ kind: "http", path });
    expect(result).toEqual({ ok, message: `HTTP ${path.slice(1)}: status ${path.slice(1)}` });
  });

  it("sends the configured headers", async () => {
    expect(await check({ kind: "http", path: "/headers", headers: { "x-probe": "gantry" } })).toEqual({ ok: true, message: "HTTP 200: gantry" });
  });

  it("fails on a timeout and on a refused connection, saying which", async () => {
    expect(await check({ kind: "http", path: "/slow" }, target, 200)).toEqual({ ok: false, message: `GET /slow on port ${target.port}: no answer within 200 ms` });
    expect(await check({ kind: "http", path: "/", port: 1 })).toEqual({ ok: false, message: "GET / on port 1: ECONNREFUSED" });
  });
});

describe("tcp probe", () => {
  it("passes when the port accepts a connection and fails when nothing listens", async () => {
    expect(await check({ kind: "tcp" })).toEqual({ ok: true, message: `port ${target.port} accepts connections` });
    expect(await check({ kind: "tcp", port: 1 })).toEqual({ ok: false, message: "port 1: ECONNREFUSED" });
  });

  it("fails when the instance has no port and the probe names none", async () => {
    expect((await check({ kind: "tcp" }, { ...target, port: null })).ok).toBe(false);
  });
});

describe("exec probe", () => {
  it("passes on exit 0, in the instance's directory and environment, with its output", async () => {
    expect(await check({ kind: "exec", command: ["sh", "-c", 'echo "$GREETING from $(pwd)"'] })).toEqual({ ok: true, message: "exited 0: hi from /tmp" });
  });

  it("is forked by the launcher, not by Gantry's own thread (which a fork stops)", async () => {
    expect((await check({ kind: "exec", command: ["sh", "-c", "tr '\\0' ' ' < /proc/$PPID/cmdline"] })).message).toContain("launcher-process.mjs");
  });

  it("fails on a non-zero exit and on a missing command", async () => {
    expect(await check({ kind: "exec", command: ["sh", "-c", "echo broken >&2; exit 4"] })).toEqual({ ok: false, message: "exited 4: broken" });
    expect((await check({ kind: "exec", command: ["gantry-no-such-command"] })).message).toContain("cannot run gantry-no-such-command");
  });

  it("kills a command that overruns its timeout, children included", async () => {
    const started = Date.now();
    const result = await check({ kind: "exec", command: ["sh", "-c", "sleep 5 & sleep 5; echo never"] }, target, 300);
    expect(result).toEqual({ ok: false, message: "sh did not finish within 300 ms; killed" });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("judges a command by its own exit, and ends what it leaves running, in its group or not", async () => {
    const pids = path.join(tempDir("exec-probe"), "children");
    const script = [
      `sleep 30 & echo $! > ${pids}`, // keeps the probe's output open
      `perl -e 'setpgrp(0, 0); exec "sleep", "30"' > /dev/null 2>&1 & echo $! >> ${pids}`,
      "echo done",
    ].join("; ");
    const started = Date.now();
    expect(await check({ kind: "exec", command: ["sh", "-c", script] }, target, 3000)).toEqual({ ok: true, message: "exited 0: done" });
    expect(Date.now() - started).toBeLessThan(2000);
    const children = fs.readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(children).toHaveLength(2);
    await waitFor(() => (children.every((pid) => [undefined, "Z"].includes(processStat(pid)?.state)) ? true : undefined), "the children gone", 2000);
  });
});
