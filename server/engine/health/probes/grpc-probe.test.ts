import net from "node:net";
import { Server, ServerCredentials, status as grpcStatus, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probe as probeSchema, type ProbeInput } from "../../../contracts/probe";
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, healthServiceDefinition, type HealthCheckRequest, type HealthCheckResponse, type ServingStatus } from "./grpc-health";
import { runProbe, type ProbeTarget } from "./index";
import { freePort } from "../../../testing/ports";

/** A real grpc-js server implementing Health, with a status per service name ("" is the server). */
const statuses = new Map<string, ServingStatus>([
  ["", "SERVING"],
  ["orders.v1.Orders", "NOT_SERVING"],
  ["unknown.v1.Status", "UNKNOWN"],
]);
let server: Server;
let target: ProbeTarget;
const seenDeadlines: Array<number> = [];

beforeAll(async () => {
  server = new Server();
  server.addService(healthServiceDefinition, {
    check(call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) {
      const deadline = call.getDeadline();
      seenDeadlines.push(deadline instanceof Date ? deadline.getTime() : Number(deadline));
      if (call.request.service === "hangs") return; // never answers
      if (call.request.service === "broken") return callback({ code: grpcStatus.INTERNAL, details: "database unreachable" });
      const status = statuses.get(call.request.service);
      if (status === undefined) return callback({ code: grpcStatus.NOT_FOUND, details: "unknown service" });
      callback(null, { status });
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))));
  target = { host: "127.0.0.1", port, cwd: "/tmp", env: {} };
});
afterAll(() => server.forceShutdown());

const check = (input: Omit<Extract<ProbeInput, { kind: "grpc" }>, "kind">, to = target, timeoutMs = 500) => runProbe(probeSchema.parse({ kind: "grpc", ...input }), to, timeoutMs);

describe("grpc probe", () => {
  it("passes on SERVING, asking about the whole server by default", async () => {
    expect(await check({})).toEqual({ ok: true, message: `Health/Check on port ${target.port}: SERVING` });
  });

  it("fails on NOT_SERVING and UNKNOWN, naming the service and the status", async () => {
    expect(await check({ service: "orders.v1.Orders" })).toEqual({ ok: false, message: `Health/Check "orders.v1.Orders" on port ${target.port}: NOT_SERVING` });
    expect(await check({ service: "unknown.v1.Status" })).toEqual({ ok: false, message: `Health/Check "unknown.v1.Status" on port ${target.port}: UNKNOWN` });
  });

  it("fails with a server's SERVICE_UNKNOWN, and with the gRPC code and details of an error", async () => {
    statuses.set("payments.v1.Payments", "SERVICE_UNKNOWN");
    expect(await check({ service: "payments.v1.Payments" })).toEqual({ ok: false, message: `Health/Check "payments.v1.Payments" on port ${target.port}: SERVICE_UNKNOWN` });
    // The protocol's own answer for a name the server doesn't know is NOT_FOUND.
    expect(await check({ service: "nobody" })).toEqual({ ok: false, message: `Health/Check "nobody" on port ${target.port}: NOT_FOUND: unknown service` });
    expect(await check({ service: "broken" })).toEqual({ ok: false, message: `Health/Check "broken" on port ${target.port}: INTERNAL: database unreachable` });
  });

  it("fails clearly when nothing listens on the port", async () => {
    const free = await freePort();
    const result = await check({ port: free });
    expect(result.ok).toBe(false);
    expect(result.message).toBe(`Health/Check on port ${free}: UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:${free}.`);
  });

  it("fails when the port is not a gRPC server", async () => {
    const plain = net.createServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    const port = (plain.address() as net.AddressInfo).port;
    const result = await check({ port });
    plain.close();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(new RegExp(`^Health/Check on port ${port}: (UNAVAILABLE|INTERNAL)`));
  });

  it("sends the timeout as the call's deadline and fails at it when the server never answers", async () => {
    const started = Date.now();
    seenDeadlines.length = 0;
    const result = await check({ service: "hangs" }, target, 300);
    const took = Date.now() - started;
    expect(result).toEqual({ ok: false, message: `Health/Check "hangs" on port ${target.port}: no answer within 300 ms` });
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(800);
    expect(seenDeadlines[0]! - started).toBeGreaterThan(200);
    expect(seenDeadlines[0]! - started).toBeLessThan(400);
  });

  it("fails when the instance has no port and the probe names none", async () => {
    expect(await check({}, { ...target, port: null })).toEqual({ ok: false, message: "no port to probe: the instance has no PORT and the probe names none" });
  });
});

describe("grpc.health.v1 messages", () => {
  it("round-trips requests and responses, writing proto3 defaults as nothing", () => {
    expect(encodeRequest({ service: "" })).toEqual(Buffer.alloc(0));
    expect(encodeRequest({ service: "a" })).toEqual(Buffer.from([0x0a, 0x01, 0x61]));
    expect(decodeRequest(encodeRequest({ service: "x".repeat(300) }))).toEqual({ service: "x".repeat(300) });
    for (const status of ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const) expect(decodeResponse(encodeResponse({ status }))).toEqual({ status });
    expect(encodeResponse({ status: "SERVING" })).toEqual(Buffer.from([0x08, 0x01]));
  });

  it("skips fields it doesn't know and keeps a status number the protocol doesn't name", () => {
    // field 2 (string "hi"), field 3 (fixed32), then status = NOT_SERVING
    expect(decodeResponse(Buffer.from([0x12, 0x02, 0x68, 0x69, 0x1d, 1, 2, 3, 4, 0x08, 0x02]))).toEqual({ status: "NOT_SERVING" });
    expect(decodeResponse(Buffer.from([0x08, 0x07]))).toEqual({ status: 7 });
    expect(() => decodeResponse(Buffer.from([0x12, 0x05, 0x68]))).toThrow(/truncated/);
  });
});

