import http from "node:http";
import type { Probe } from "../../../contracts/probe";
import { clip, targetPort, type ProbeRunner } from "./probe-runner";

type HttpProbe = Extract<Probe, { kind: "http" }>;
const MAX_BODY = 1024;

/** GET on a fresh connection (as the kubelet does); 200–399 passes. The start of the body goes into the message. */
export const httpProbe: ProbeRunner<HttpProbe> = (probe, target, timeoutMs) =>
  new Promise((resolve) => {
    const port = targetPort(probe, target);
    if (port === undefined) return resolve({ ok: false, message: "no port to probe: the instance has no PORT and the probe names none" });
    let settled = false;
    const finish = (ok: boolean, message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve({ ok, message: clip(message) });
    };
    const request = http.get(
      { host: target.host, port, path: probe.path, headers: { "user-agent": "gantry-probe", ...probe.headers }, agent: false },
      (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => finish(status >= 200 && status < 400, `HTTP ${status}${size > 0 ? `: ${Buffer.concat(chunks).toString("utf8")}` : ""}`);
        response.on("data", (chunk: Buffer) => {
          if (size < MAX_BODY) chunks.push(chunk.subarray(0, MAX_BODY - size));
          size += chunk.length;
          if (size >= MAX_BODY) done();
        });
        response.on("end", done);
        response.on("error", (err) => finish(false, err.message));
      },
    );
    request.on("error", (err: NodeJS.ErrnoException) => finish(false, `GET ${probe.path} on port ${port}: ${err.code ?? err.message}`));
    const timer = setTimeout(() => finish(false, `GET ${probe.path} on port ${port}: no answer within ${timeoutMs} ms`), timeoutMs);
  });
