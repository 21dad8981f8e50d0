import { describe, expect, it } from "vitest";
import { TOKEN } from "../http/char-classes";
import type { RequestHead, ResponseHead } from "../http/head";
import { llhttpRead, type OracleMessage, type OracleReading } from "./llhttp-oracle";
import { mutate } from "./mutations";
import { pieces } from "./pieces";
import { fuzzRuns, runPrng, type Prng } from "./prng";
import { proxyReadRequests, proxyReadResponses, type ProxyMessage, type ProxyReading } from "./proxy-reading";
import { validInput } from "./valid-requests";
import { validResponseStream } from "./valid-responses";

/**
 * Differential fuzz of the proxy's HTTP/1.1 parsing against Node's (llhttp, strict) as the
 * oracle, without sockets: the same bytes, cut in seeded random pieces for the proxy, go to both,
 * as request streams and as response streams. Where both accept a message they must read it
 * alike — start line, the header fields the proxy forwards, framing, body, where it ends, whether
 * the connection goes on. Where they differ in acceptance the proxy must be the one refusing: a
 * message the two read differently is a smuggling risk.
 *
 * FUZZ_RUNS request streams and as many response streams: `npm test` runs 5,000 of each,
 * `npm run fuzz:parser` 50,000 of each. FUZZ_SEED and FUZZ_RUNS override; FUZZ_RUN=n replays run n alone.
 */
const { seed: SEED, count: RUNS, runs, replaying } = fuzzRuns(20261202, 5000);
/** Share of inputs left unmutated: both parsers must accept them in full. */
const UNMUTATED = 0.2;
const MAX_PIECES = 8;
/** Share of request inputs whose first request asks for an upgrade. */
const UPGRADES = 0.05;
const MAX_FINDINGS_SHOWN = 20;
/** Response cases draw from their own seeds, so request and response run n replay apart. */
const RESPONSE_SEED_SALT = 0x5bd1e995;

/**
 * Stand-ins for a method llhttp doesn't list, by length. Methods are an open set of tokens (RFC
 * 9110 §9.1) that the proxy relays, and llhttp's refusal of one is a clean 400, not a framing
 * disagreement: llhttp reads the message with a listed method of the same length in its place
 * (offsets unchanged), so the rest of it is still compared.
 */
const STAND_IN_METHODS = new Map(["GET", "POST", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "PROPPATCH", "MKACTIVITY", "UNSUBSCRIBE"].map((m) => [m.length, m]));

/** Fields a proxy never forwards as received: hop-by-hop ones (RFC 9110 §7.6.1) and those it writes itself. */
const NOT_FORWARDED = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "x-forwarded-for"]);
/** Connection options that are not field names. */
const CONNECTION_OPTIONS = new Set(["close", "keep-alive", "upgrade"]);

type Field = [name: string, value: string];
const trimmed = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, "");
const valuesOf = (fields: Field[], name: string) => fields.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

/** The fields of the proxy's `forwarded` lines, as the next hop reads them. */
function forwardedFields(lines: string): Field[] {
  return lines
    .split("\r\n")
    .filter((line) => line !== "")
    .map((line) => [line.slice(0, line.indexOf(":")), trimmed(line.slice(line.indexOf(":") + 1))]);
}

/** The fields llhttp read that a proxy must pass on as they are. */
function fieldsToForward(fields: Field[], request: boolean): Field[] {
  const named = valuesOf(fields, "connection").flatMap((value) => value.split(",").map((token) => trimmed(token).toLowerCase()));
  const dropped = new Set([...NOT_FORWARDED, ...named.filter((token) => !CONNECTION_OPTIONS.has(token)), ...(request ? ["host"] : [])]);
  return fields.filter(([name]) => !dropped.has(name.toLowerCase()));
}

/** What a request target means to the proxy: origin form (or `*`), and the authority of an absolute-form target. */
function targetOf(url: string): { target: string; authority: string | undefined } {
  const absolute = /^https?:\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!absolute) return { target: url, authority: undefined };
  const rest = absolute[2]!;
  return { target: rest.startsWith("/") ? rest : `/${rest}`, authority: absolute[1] };
}

function framingFromFields(fields: Field[], bodiless: boolean, request: boolean): string {
  if (bodiless) return "none";
  if (valuesOf(fields, "transfer-encoding").length > 0) return "chunked";
  const length = valuesOf(fields, "content-length")[0];
  if (length !== undefined) return Number(length) > 0 ? "length" : "none";
  return request ? "none" : "close";
}

const contentLengthOf = (fields: Field[]) => {
  const length = valuesOf(fields, "content-length")[0];
  return length === undefined ? -1 : Number(length);
};

type View = Record<string, unknown>;

function requestViews(m: OracleMessage, head: RequestHead): [llhttp: View, proxy: View] {
  const { target, authority } = targetOf(m.url);
  const forwardedFor = valuesOf(m.headers, "x-forwarded-for");
  return [
    {
      method: m.method,
      target,
      host: authority ?? valuesOf(m.headers, "host")[0],
      version: `${m.versionMajor}.${m.versionMinor}`,
      keepAlive: m.keepAlive,
      upgrade: m.upgrade,
      framing: framingFromFields(m.headers, false, true),
      contentLength: contentLengthOf(m.headers),
      forwardedFor: forwardedFor.length > 0 ? forwardedFor.join(", ") : undefined,
      forwarded: fieldsToForward(m.headers, true),
    },
    {
      method: head.method,
      target: head.target,
      host: head.host,
      version: `1.${head.minor}`,
      keepAlive: head.keepAlive,
      upgrade: head.upgrade !== undefined,
      framing: head.framing.kind,
      contentLength: head.contentLength,
      forwardedFor: head.forwardedFor,
      forwarded: forwardedFields(head.forwarded),
    },
  ];
}

function responseViews(m: OracleMessage, head: ResponseHead, method: string): [llhttp: View, proxy: View] {
  const interim = m.status < 200;
  const bodiless = interim || m.status === 204 || m.status === 304 || method === "HEAD";
  // llhttp judges keep-alive before it is told a response to HEAD has no body: without framing
  // fields it assumes one that runs to the close.
  const framed = valuesOf(m.headers, "content-length").length + valuesOf(m.headers, "transfer-encoding").length > 0;
  const keepAliveKnown = !interim && (method !== "HEAD" || framed);
  return [
    {
      status: m.status,
      version: `${m.versionMajor}.${m.versionMinor}`,
      keepAlive: keepAliveKnown ? m.keepAlive : "not compared",
      framing: framingFromFields(m.headers, bodiless, false),
      contentLength: contentLengthOf(m.headers),
      forwarded: fieldsToForward(m.headers, false),
    },
    {
      status: head.status,
      version: `1.${head.minor}`,
      keepAlive: keepAliveKnown ? !head.closes : "not compared",
      framing: head.framing.kind,
      contentLength: head.contentLength,
      forwarded: forwardedFields(head.forwarded),
    },
  ];
}

/** A chunked body as the proxy forwards it must still be read by llhttp as the same payload, ending where it ends. */
function reframingProblem(reframed: Buffer, payload: Buffer): string | undefined {
  const head = Buffer.from("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "latin1");
  const reading = llhttpRead(Buffer.concat([head, reframed]));
  const message = reading.messages[0];
  if (reading.messages.length === 1 && message!.body.equals(payload) && message!.end === head.length + reframed.length) return undefined;
  return `the chunked body as forwarded reads differently: ${JSON.stringify(reframed.toString("latin1").slice(0, 300))} (${JSON.stringify(reading.stop)})`;
}

const show = (value: unknown) => JSON.stringify(value);

type Outcome = "agreed" | "proxy stricter" | "both refused" | "unknown method";

/** What differs between the two readings of one input; empty when the proxy is as strict or stricter and agrees on all it accepts. */
function compare<Head>(oracle: OracleReading, proxy: ProxyReading<Head>, views: (m: OracleMessage, head: Head, index: number) => [View, View]): { problems: string[]; outcome: Outcome; stops: string; refusal?: string } {
  const problems: string[] = [];
  const both = Math.min(oracle.messages.length, proxy.messages.length);
  for (let i = 0; i < both; i++) {
    const m = oracle.messages[i]!;
    const p: ProxyMessage<Head> = proxy.messages[i]!;
    const [expected, actual] = views(m, p.head, i);
    for (const key of Object.keys(expected)) {
      // Closing where llhttp would go on is stricter: the proxy reads nothing more on that connection.
      if (key === "keepAlive" && expected[key] === true && actual[key] === false) continue;
      if (show(expected[key]) !== show(actual[key])) problems.push(`message ${i + 1}: ${key} is ${show(expected[key])} to llhttp, ${show(actual[key])} to the proxy`);
    }
    if (!m.body.equals(p.body)) problems.push(`message ${i + 1}: body of ${m.body.length} bytes to llhttp, ${p.body.length} to the proxy`);
    if (m.end !== p.end) problems.push(`message ${i + 1}: ends at byte ${m.end} to llhttp, ${p.end} to the proxy`);
    const reframing = p.reframed && reframingProblem(p.reframed, p.body);
    if (reframing) problems.push(`message ${i + 1}: ${reframing}`);
  }
  const llhttpRefused = oracle.stop.kind === "error";
  const proxyRefused = proxy.stop.kind === "refused";
  if (proxy.messages.length > oracle.messages.length) {
    if (oracle.stop.kind === "error" && oracle.stop.code === "HPE_INVALID_METHOD") return { problems, outcome: "unknown method", stops: "" };
    problems.push(`the proxy accepted message ${both + 1}, which llhttp did not (${show(oracle.stop)})`);
  } else if (oracle.messages.length > proxy.messages.length) {
    // Still waiting for the rest of a head is no disagreement: the proxy has taken nothing of it yet.
    if (proxy.stop.kind === "ended" && proxy.stop.inBody) problems.push(`llhttp read message ${both + 1} to its end where the proxy waits for more body bytes`);
  } else if (oracle.stop.kind === "error" && proxy.stop.kind === "ended" && proxy.stop.inBody) {
    problems.push(`the proxy took body bytes of message ${both + 1} that llhttp refused (${show(oracle.stop)})`);
  }
  const outcome: Outcome = proxyRefused ? (llhttpRefused ? "both refused" : "proxy stricter") : "agreed";
  return { problems, outcome, stops: `llhttp ${show(oracle.stop)}, proxy ${show(proxy.stop)}`, refusal: proxy.stop.kind === "refused" ? proxy.stop.reason : undefined };
}

/** llhttp's reading of a request stream; a method it doesn't list gets a stand-in (in `text` too, which the proxy then reads). */
function llhttpReadRequests(text: string): { oracle: OracleReading; text: string; standIns: number } {
  let standIns = 0;
  for (;;) {
    const oracle = llhttpRead(Buffer.from(text, "latin1"));
    if (oracle.stop.kind !== "error" || oracle.stop.code !== "HPE_INVALID_METHOD") return { oracle, text, standIns };
    const start = oracle.messages.at(-1)?.end ?? 0;
    const space = text.indexOf(" ", start);
    if (space === -1) return { oracle, text, standIns };
    const method = text.slice(start, space);
    const standIn = STAND_IN_METHODS.get(method.length);
    const token = [...method].every((c) => TOKEN[c.charCodeAt(0)] === 1);
    if (!standIn || standIn === method || !token) return { oracle, text, standIns };
    text = text.slice(0, start) + standIn + text.slice(start + method.length);
    standIns++;
  }
}

const latin1 = (parts: string[]) => parts.map((part) => Buffer.from(part, "latin1"));

type CaseResult = { problems: string[]; outcome: Outcome; stops: string; refusal?: string; input: string; applied: string[]; standIns: number };

/** Makes the first request of an input ask for an upgrade (what follows it is then a tunnel to both parsers). */
function asUpgrade(text: string): string {
  const lineEnd = text.indexOf("\r\n") + 2;
  return `${text.slice(0, lineEnd)}Connection: Upgrade\r\nUpgrade: websocket\r\n${text.slice(lineEnd)}`;
}

function requestCase(rng: Prng): CaseResult {
  const valid = rng.chance(UPGRADES) ? asUpgrade(validInput(rng)) : validInput(rng);
  const { text: mutated, applied } = rng.chance(UNMUTATED) ? { text: valid, applied: [] } : mutate(valid, rng.between(1, 3), rng);
  const { oracle, text, standIns } = llhttpReadRequests(mutated);
  const proxy = proxyReadRequests(latin1(pieces(text, rng, MAX_PIECES)));
  return { ...compare(oracle, proxy, (m, head) => requestViews(m, head)), input: text, applied, standIns };
}

function responseCase(rng: Prng): CaseResult {
  const valid = validResponseStream(rng);
  const { text, applied } = rng.chance(UNMUTATED) ? { text: valid.text, applied: [] } : mutate(valid.text, rng.between(1, 3), rng);
  const oracle = llhttpRead(Buffer.from(text, "latin1"), valid.methods);
  const proxy = proxyReadResponses(latin1(pieces(text, rng, MAX_PIECES)), valid.methods);
  // llhttp counts interim (1xx) responses as messages too; the method is that of the next final response.
  const methodOf = (index: number) => valid.methods[oracle.messages.slice(0, index).filter((m) => m.status >= 200).length] ?? "GET";
  return { ...compare(oracle, proxy, (m, head, index) => responseViews(m, head, methodOf(index))), input: text, applied, standIns: 0 };
}

describe("the proxy's HTTP/1.1 parser against llhttp", () => {
  it.each([
    ["requests", requestCase],
    ["responses", responseCase],
  ] as const)(`reads %s as Node does, or refuses them (seed ${SEED})`, (kind, runCase) => {
    const outcomes: Record<Outcome, number> = { agreed: 0, "proxy stricter": 0, "both refused": 0, "unknown method": 0 };
    const findings: string[] = [];
    /** Why the proxy refused what llhttp accepted, by message shape (numbers and quoted text left out). */
    const stricter = new Map<string, number>();
    let standIns = 0;
    for (const run of runs) {
      const result = runCase(runPrng(kind === "requests" ? SEED : SEED ^ RESPONSE_SEED_SALT, run));
      outcomes[result.outcome]++;
      standIns += result.standIns;
      if (result.outcome === "proxy stricter") {
        const reason = result.refusal!.replace(/".*"/, '"…"').replace(/0x[0-9a-f]+/, "0x…");
        stricter.set(reason, (stricter.get(reason) ?? 0) + 1);
      }
      const problems = [...result.problems];
      if (result.applied.length === 0 && result.outcome !== "agreed") problems.push(`a valid input was not accepted in full: ${result.stops}`);
      for (const problem of problems) {
        findings.push(`run ${run} [${result.applied.join(", ") || "unmutated"}]: ${problem}\n  input: ${JSON.stringify(result.input.slice(0, 600))}\n  replay: FUZZ_SEED=${SEED} FUZZ_RUN=${run}`);
      }
    }
    const share = (n: number) => `${((100 * n) / runs.length).toFixed(1)}%`;
    console.log(
      `parser differential (${kind}): seed ${SEED}, ${runs.length} cases — agreed ${share(outcomes.agreed)}, proxy stricter ${share(outcomes["proxy stricter"])}, ` +
        `both refused ${share(outcomes["both refused"])}, method llhttp doesn't list ${share(outcomes["unknown method"])} (${standIns} read with a stand-in); ${findings.length} findings`,
    );
    const top = [...stricter].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.log(`  refused by the proxy alone, most often: ${top.map(([reason, n]) => `${reason} (${n})`).join("; ")}`);
    expect(findings.slice(0, MAX_FINDINGS_SHOWN), `${findings.length} findings, first ${MAX_FINDINGS_SHOWN} shown`).toEqual([]);
    if (!replaying && runs.length >= 200) {
      // A fuzzer that only sends garbage (or only valid messages) tests little: it shows here.
      expect(outcomes.agreed / runs.length, "share of inputs both accepted").toBeGreaterThan(0.15);
      expect((outcomes["proxy stricter"] + outcomes["both refused"]) / runs.length, "share of inputs refused").toBeGreaterThan(0.15);
    }
  }, 30_000 + RUNS * 5);
});
