import http from "node:http";

export type Listening = { server: http.Server; port: number; close(graceMs: number): Promise<void> };

/** Listens, and on close stops accepting, lets in-flight requests finish for up to graceMs, then cuts the rest. */
export async function listen(server: http.Server, host: string, port: number): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  return {
    server,
    port: bound,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        // Keep-alive sockets become idle as their requests finish; close each one as soon as it does.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(cut);
          clearInterval(sweep);
          resolve();
        });
      }),
  };
}
