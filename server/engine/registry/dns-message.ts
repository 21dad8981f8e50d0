import * as dnsPacket from "dns-packet";
import type { Answer, OptAnswer, Packet, Question } from "dns-packet";
import { answer, Rcode, type CatalogReader, type DnsSettings } from "./dns-answer";

export type Transport = "udp" | "tcp";

/**
 * What to do with one message: send `reply` (if any). `malformed` messages are counted and logged
 * by the server; `ignored` ones (responses sent to us) get no reply, so two servers can't loop.
 */
export type Outcome = { kind: "answered"; reply: Buffer } | { kind: "malformed"; reason: string; reply: Buffer | undefined } | { kind: "ignored"; reply: undefined };

/** Without EDNS, a UDP reply is at most 512 bytes (RFC 1035); with it, what the client offers, up to ours. */
export const CLASSIC_UDP_SIZE = 512;
export const OUR_UDP_SIZE = 4096;
/** A TCP message's length is 16 bits. */
const TCP_MAX = 65535;

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const HEADER = 12;

/**
 * Turns one DNS message into the reply to send, never throwing: a message that can't be decoded
 * gets FORMERR when its header can be read (and nothing when it can't), another opcode than QUERY
 * gets NOTIMP, and a UDP reply too big for the client is cut short with TC set so it retries on TCP.
 */
export function handleMessage(message: Buffer, transport: Transport, catalog: CatalogReader, settings: DnsSettings): Outcome {
  if (message.length < HEADER) return { kind: "malformed", reason: `${message.length}-byte message, shorter than a header`, reply: undefined };
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  if (flags & QR) return { kind: "ignored", reply: undefined };
  const opcode = (flags >> 11) & 0xf;
  const rd = (flags & RD) !== 0;
  const bare = (rcode: Rcode) => encodeHeaderOnly(id, opcode, rd, rcode);
  if (opcode !== 0) return { kind: "answered", reply: bare(Rcode.NOTIMP) };

  let query;
  try {
    query = dnsPacket.decode(message);
  } catch (err) {
    return { kind: "malformed", reason: err instanceof Error ? err.message : String(err), reply: bare(Rcode.FORMERR) };
  }
  const questions = query.questions ?? [];
  const opts = (query.additionals ?? []).filter((record): record is OptAnswer => record.type === "OPT");
  if (questions.length !== 1 || opts.length > 1) {
    return { kind: "malformed", reason: `${questions.length} questions, ${opts.length} OPT records`, reply: bare(Rcode.FORMERR) };
  }
  const question = questions[0]!;
  if (!encodable(question.name)) return { kind: "malformed", reason: "a name that can't be written back", reply: bare(Rcode.FORMERR) };
  const opt = opts[0];
  const limit = transport === "tcp" ? TCP_MAX : opt ? Math.min(Math.max(opt.udpPayloadSize, CLASSIC_UDP_SIZE), OUR_UDP_SIZE) : CLASSIC_UDP_SIZE;
  // EDNS is answered with EDNS; only version 0 exists (RFC 6891: BADVERS, rcode 16, for others).
  const ourOpt = (extendedRcode = 0): OptAnswer[] => (opt ? [{ type: "OPT", name: ".", udpPayloadSize: OUR_UDP_SIZE, extendedRcode, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : []);
  if (opt && opt.ednsVersion !== 0) {
    return { kind: "answered", reply: encode({ id, flags: header(opcode, rd, Rcode.NOERROR, false), questions: [question], additionals: ourOpt(1) }) };
  }

  try {
    const reply = answer(question, catalog, settings);
    const packet: Packet = {
      id,
      flags: header(opcode, rd, reply.rcode, reply.authoritative),
      questions: [question],
      answers: reply.answers,
      authorities: reply.authorities,
      additionals: [...reply.additionals, ...ourOpt()],
    };
    return { kind: "answered", reply: fit(packet, limit, ourOpt()) };
  } catch (err) {
    // A bug of ours, not the client's: SERVFAIL, and the server logs the reason.
    return { kind: "malformed", reason: `answering failed: ${err instanceof Error ? err.message : String(err)}`, reply: encodeQuestion(id, opcode, rd, question, Rcode.SERVFAIL) };
  }
}

function header(opcode: number, rd: boolean, rcode: Rcode, authoritative: boolean): number {
  return (opcode << 11) | (authoritative ? AA : 0) | (rd ? RD : 0) | rcode;
}

function encode(packet: Packet): Buffer {
  return dnsPacket.encode({ type: "response", answers: [], authorities: [], additionals: [], ...packet });
}

/** A reply of just a header: for messages whose question we can't (or won't) read. */
function encodeHeaderOnly(id: number, opcode: number, rd: boolean, rcode: Rcode): Buffer {
  return encode({ id, flags: header(opcode, rd, rcode, false), questions: [] });
}

function encodeQuestion(id: number, opcode: number, rd: boolean, question: Question, rcode: Rcode): Buffer {
  return encode({ id, flags: header(opcode, rd, rcode, false), questions: [question] });
}

/**
 * The reply as is if it fits in `limit` bytes; otherwise as many answers as fit, without the
 * authority and additional sections (but with the OPT record), and TC set so the client asks
 * again over TCP for the whole of it.
 */
function fit(packet: Packet, limit: number, opt: Answer[]): Buffer {
  const whole = encode(packet);
  if (whole.length <= limit) return whole;
  const answers = packet.answers ?? [];
  const cut = (count: number) => encode({ ...packet, flags: (packet.flags ?? 0) | TC, answers: answers.slice(0, count), authorities: [], additionals: opt });
  let [low, high] = [0, answers.length]; // cut(low) fits; the largest count that does is found by bisection
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (cut(middle).length <= limit) low = middle;
    else high = middle - 1;
  }
  return cut(low);
}

/** dns-packet reads labels as UTF-8; names that don't survive the round trip are refused as malformed. */
function encodable(name: string): boolean {
  if (name === ".") return true;
  const labels = name.split(".");
  return Buffer.byteLength(name) <= 253 && labels.every((label) => label.length > 0 && Buffer.byteLength(label) <= 63);
}
