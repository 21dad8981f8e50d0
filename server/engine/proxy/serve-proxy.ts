import { ProxyServer } from "./proxy-server";
import type { FromProxyWorker, ToProxyWorker } from "./types";

/**
 * A proxy worker's work: requests are proxied here, with only the configuration the data plane
 * process sends. Runs in a worker process of its cluster (proxy-worker.ts) or, where one worker
 * is all the machine has room for, in the data plane process itself (data-plane-process.ts).
 * Returns the handler of the data plane's messages; `send` carries the answers back.
 */
export function serveProxy(send: (message: FromProxyWorker) => void): (message: ToProxyWorker) => void {
  const proxy = new ProxyServer(
    (level, message, context) => send({ type: "log", level, message, context }),
    (listener) => send({ type: "listener", ...listener }),
  );
  process.on("uncaughtException", (err) => {
    // A bug in one connection's handling must not take every listener down.
    send({ type: "log", level: "error", message: `data plane error: ${err.stack ?? String(err)}` });
  });
  return (message) => {
    try {
      switch (message.type) {
        case "config":
          proxy.apply(message.config, message.inherited);
          break;
        case "drain":
          void proxy.drain(message.instanceId).then(() => send({ type: "drained", requestId: message.requestId }));
          break;
        case "stats":
          send({ type: "stats", requestId: message.requestId, stats: proxy.stats() });
          break;
        case "retire":
          void proxy.retire(message.quietMs).then(() => send({ type: "retired", requestId: message.requestId }));
          break;
      }
    } catch (err) {
      send({ type: "log", level: "error", message: `data plane failed to handle ${message.type}: ${String(err)}` });
    }
  };
}
