import net from "node:net";

/**
 * A TCP relay a test can cut: between Gantry and its database, "cut" drops every connection and
 * refuses new ones (the database is gone, as when its server stops), "restore" lets them in again.
 */
export async function cuttableTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let down = false;
  const cut = () => {
    down = true;
    for (const socket of sockets) socket.destroy();
  };
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut,
    restore: () => void (down = false),
    close: () => new Promise<void>((resolve) => (cut(), server.close(() => resolve()))),
  };
}
