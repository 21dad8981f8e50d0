import net from "node:net";
import type { Probe } from "../../../contracts/probe";
import { targetPort, type ProbeRunner } from "./probe-runner";

type TcpProbe = Extract<Probe, { kind: "tcp" }>;

/** Passes when a connection is accepted; closes it at once. */
export const tcpProbe: ProbeRunner<TcpProbe> = (probe, target, timeoutMs) =>
  new Promise((resolve) => {
    const port = targetPort(probe, target);
    if (port === undefined) return resolve({ ok: false, message: "no port to probe: the instance has no PORT and the probe names none" });
    const socket = net.connect({ host: target.host, port });
    const finish = (ok: boolean, message: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, message });
    };
    socket.once("connect", () => finish(true, `port ${port} accepts connections`));
    socket.once("error", (err: NodeJS.ErrnoException) => finish(false, `port ${port}: ${err.code ?? err.message}`));
    const timer = setTimeout(() => finish(false, `port ${port}: no connection within ${timeoutMs} ms`), timeoutMs);
  });
