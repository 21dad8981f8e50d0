import net from "node:net";
import { describe, expect, it } from "vitest";
import { listeningPorts, listeningSockets } from "./listening-sockets";

describe("listening sockets from /proc", () => {
  it("reads the inode and port of listening rows only", () => {
    const table = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:4A38 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 217097 1 0000000000000000 100 0 0 10 0",
      "   1: 0100007F:9C40 0100007F:4A38 01 00000000:00000000 00:00000000 00000000  1000        0 217100 1 0000000000000000 20 4 30 10 -1",
      "   2: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5511 1 0000000000000000 100 0 0 10 0",
    ].join("\n");
    expect(listeningPorts(table)).toEqual(
      new Map([
        [217097, 0x4a38],
        [5511, 8080],
      ]),
    );
  });

  it("finds the descriptor of a server this process listens on", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const port = (server.address() as net.AddressInfo).port;
    expect(listeningSockets().filter((s) => s.port === port)).toHaveLength(1);
    await new Promise((resolve) => server.close(resolve));
    expect(listeningSockets().filter((s) => s.port === port)).toHaveLength(0);
  });
});
