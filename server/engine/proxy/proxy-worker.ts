// A proxy worker of the data plane process: requests are proxied here, away from the event loop
// that renders the dashboard and runs the engine. It only knows the configuration it is sent.
import { ProxyServer } from "./proxy-server";
import type { FromProxyWorker, ToProxyWorker } from "./types";

const send = (message: FromProxyWorker) => process.send?.(message);

const proxy = new ProxyServer(
  (level, message, context) => send({ type: "log", level, message, context }),
  (listener) => send({ type: "listener", ...listener }),
);

process.on("message", (message: ToProxyWorker) => {
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
});

process.on("disconnect", () => process.exit(0));
send({ type: "ready" });

process.on("uncaughtException", (err) => {
  // A bug in one connection's handling must not take every listener down.
  send({ type: "log", level: "error", message: `data plane error: ${err.stack ?? String(err)}` });
});
