// 200 tiny HTTP servers in one process: stand-ins for instances that probes can hit.
import http from "node:http";

const count = Number(process.argv[2] ?? 200);
const ports = [];
for (let i = 0; i < count; i++) {
  const server = http.createServer((_req, res) => res.end("ok"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  ports.push(server.address().port);
}
process.send?.({ ports });
