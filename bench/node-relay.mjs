// The least a Node relay can do, as a reference for bench:proxy: each client connection gets a
// connection of its own to one of the instances (alternating), and bytes are copied both ways as
// they come — no parsing, no balancing per request, no pooling. What it costs per request is the
// floor of any proxy written on Node's sockets, Gantry's data plane included.
import net from "node:net";

const [a, b] = [Number(process.env.UPSTREAM_A), Number(process.env.UPSTREAM_B)];
let connections = 0;

net
  .createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: connections++ % 2 === 0 ? a : b });
    upstream.setNoDelay(true);
    client.on("data", (bytes) => upstream.write(bytes));
    upstream.on("data", (bytes) => client.write(bytes));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => {}); // close follows
    upstream.on("error", () => {});
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
