import type { ServiceDefinition } from "@grpc/grpc-js";

/**
 * The standard gRPC health-checking protocol (grpc/grpc `doc/health-checking.md`), by hand:
 *
 *   package grpc.health.v1;
 *   message HealthCheckRequest { string service = 1; }
 *   message HealthCheckResponse { enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; } ServingStatus status = 1; }
 *   service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
 *
 * Two one-field messages do not warrant a .proto loader: field 1 is a length-delimited string in
 * the request and a varint in the response. Decoding skips fields it does not know, as protobuf
 * readers must, so a server on a newer version of the messages still reads.
 */
export const servingStatuses = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;
export type ServingStatus = (typeof servingStatuses)[number];

export type HealthCheckRequest = { service: string };
/** `status` is a name when the number is one the protocol defines, else the number itself. */
export type HealthCheckResponse = { status: ServingStatus | number };

export const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** Field 1's value, with every other field skipped: a varint (wire type 0) or bytes (wire type 2). */
function readField1(buffer: Buffer, wireType: 0 | 2): number | Buffer | undefined {
  let offset = 0;
  const readVarint = (): number => {
    let value = 0;
    for (let shift = 1; ; shift *= 128) {
      if (offset >= buffer.length) throw new Error("truncated varint");
      if (shift > 2 ** 63) throw new Error("varint too long");
      const byte = buffer[offset++]!;
      value += (byte & 0x7f) * shift;
      if (byte < 0x80) return value;
    }
  };
  const take = (length: number): Buffer => {
    if (offset + length > buffer.length) throw new Error("truncated field");
    const bytes = buffer.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
  let found: number | Buffer | undefined;
  while (offset < buffer.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const type = tag % 8;
    let value: number | Buffer;
    if (type === 0) value = readVarint();
    else if (type === 1) value = take(8);
    else if (type === 2) value = take(readVarint());
    else if (type === 5) value = take(4);
    else throw new Error(`unsupported wire type ${type}`);
    // The last occurrence of a field wins, as in protobuf.
    if (field === 1 && type === wireType) found = value;
  }
  return found;
}

export function encodeRequest({ service }: HealthCheckRequest): Buffer {
  if (service === "") return Buffer.alloc(0);
  const bytes = Buffer.from(service, "utf8");
  return Buffer.concat([Buffer.from([0x0a, ...varint(bytes.length)]), bytes]);
}

export function decodeRequest(buffer: Buffer): HealthCheckRequest {
  const service = readField1(buffer, 2);
  return { service: service instanceof Buffer ? service.toString("utf8") : "" };
}

export function encodeResponse({ status }: HealthCheckResponse): Buffer {
  const number = typeof status === "number" ? status : servingStatuses.indexOf(status);
  return number === 0 ? Buffer.alloc(0) : Buffer.from([0x08, ...varint(number)]);
}

export function decodeResponse(buffer: Buffer): HealthCheckResponse {
  const number = readField1(buffer, 0);
  const value = typeof number === "number" ? number : 0;
  return { status: servingStatuses[value] ?? value };
}

/** `grpc.health.v1.Health` with its one unary method, for `makeGenericClientConstructor` and `Server.addService`. */
export const healthServiceDefinition = {
  check: {
    path: HEALTH_CHECK_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
  },
} satisfies ServiceDefinition;
