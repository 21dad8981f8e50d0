// A tiny HTTP service for Gantry's demo topology. It listens on $PORT, answers `/` with its own
// name plus what its dependencies (every *_URL in its environment) answer, and `/healthz` with ok.
import http from "node:http";

const name = process.env.GANTRY_SERVICE ?? "demo";
const instance = process.env.GANTRY_INSTANCE ?? "local";
const port = Number(process.env.PORT ?? 8000);
const upstreams = Object.entries(process.env).filter(([key]) => key.endsWith("_URL") && key !== "GANTRY_URL");

async function callUpstreams() {
  const replies = {};
  for (const [key, url] of upstreams) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      replies[key] = await res.json();
    } catch (err) {
      replies[key] = { error: String(err) };
    }
  }
  return replies;
}

const server = http.createServer(async (req, res) => {
  if (req.url === "/healthz") {
    res.end("ok\n");
    return;
  }
  const started = performance.now();
  const body = { service: name, instance, time: new Date().toISOString(), upstream: await callUpstreams() };
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
  accessLog(req, res.statusCode, performance.now() - started);
});

/** One coloured line per request, like most web frameworks print in development. */
function accessLog(req, status, ms) {
  const colour = status >= 500 ? 31 : status >= 400 ? 33 : 32;
  console.log(`${req.method} ${req.url} \x1b[${colour}m${status}\x1b[0m ${ms.toFixed(1)} ms`);
}

server.listen(port, "127.0.0.1", () => console.log(`${name} (${instance}) listening on 127.0.0.1:${port}`));

process.on("SIGTERM", () => {
  console.log(`${name} (${instance}) stopping`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
