import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./proxy-harness";

/** Whether Debian's nginx is installed (tests that need it skip with a message otherwise). */
export const hasNginx = spawnSync("which", ["nginx"]).status === 0;

export type NginxUpstream = {
  port: number;
  /** "METHOD /uri" of every request nginx has parsed so far, from its access log, in order. */
  requests(): string[];
  close(): Promise<void>;
};

/**
 * A real nginx serving as an instance, on a free loopback port, with a scratch prefix. Every
 * request is answered `nginx METHOD URI` (the body, if any, read and discarded by nginx's own
 * parser), so a test can tell from the log and the answers what nginx thought the requests were.
 */
export async function nginxUpstream(): Promise<NginxUpstream> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-nginx-upstream-"));
  const port = await freePort();
  const log = path.join(dir, "access.log");
  const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
  fs.writeFileSync(
    path.join(dir, "nginx.conf"),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  ${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(temp).join("\n  ")}
  log_format requests '$request_method $request_uri';
  access_log ${log} requests;
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 100000;
    location / { return 200 "nginx $request_method $request_uri\\n"; }
  }
}
`,
  );
  fs.writeFileSync(log, "");
  const child = spawn("nginx", ["-c", path.join(dir, "nginx.conf"), "-p", dir], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nginx did not start on 127.0.0.1:${port}: ${stderr || fs.readFileSync(path.join(dir, "error.log"), "utf8")}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    requests: () => fs.readFileSync(log, "utf8").split("\n").filter(Boolean),
    async close() {
      child.kill("SIGTERM");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
