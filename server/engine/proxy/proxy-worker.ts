// A proxy worker process of the data plane (with more than one worker): requests are proxied
// here, away from the event loop that renders the dashboard and runs the engine, and spread over
// cores by the kernel (each worker accepts on the shared listening sockets).
import { serveProxy } from "./serve-proxy";
import type { FromProxyWorker, ToProxyWorker } from "./types";

const send = (message: FromProxyWorker) => process.send?.(message);
const handle = serveProxy(send);
process.on("message", (message: ToProxyWorker) => handle(message));
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
