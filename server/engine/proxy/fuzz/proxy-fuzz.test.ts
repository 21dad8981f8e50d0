import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster, proxyFor, rawConversation } from "../testing/proxy-harness";
import { checkedUpstream, type CheckedUpstream } from "./checked-upstream";
import { mutate } from "./mutations";
import { pieces } from "./pieces";
import { fuzzRuns, runPrng } from "./prng";
import { readResponse, type Field, type ResponseSeen } from "./strict-http1";
import { validInput } from "./valid-requests";

/**
 * Seeded, bounded fuzzing of the data plane: valid requests (valid-requests.ts), most of them
 * mutated (mutations.ts), sent in pieces at random offsets, then half-closed. `npm test` runs a
 * CI-sized batch; `npm run fuzz:proxy` a large one. FUZZ_SEED and FUZZ_RUNS override; FUZZ_RUN=n
 * replays run n of a seed alone.
 */
const { seed: SEED, count: RUNS, runs, replaying } = fuzzRuns(20261201, 3000);
/** Share of inputs left unmutated: they must all be accepted in full. */
const UNMUTATED = 0.2;
/** A run the proxy neither answers nor closes within this long is a finding (no wait here is legitimate). */
const ANSWER_WITHIN_MS = 3000;
const MAX_FINDINGS_SHOWN = 20;

type Outcome = "accepted" | "partly accepted" | "refused" | "closed unanswered";

const header = (fields: Field[], name: string) => fields.find(([n]) => n === name)?.[1];
const fromProxy = (response: ResponseSeen) => header(response.fields, "x-gantry-error") !== undefined;

/**
 * Whether a response answers HEAD (so has no body). The upstream says so; for the proxy's own
 * answers the client can't tell which request a refusal is for, but a refusal always closes the
 * connection: one that ends where its head does is the body-less answer to a HEAD.
 */
function answersHead(_status: number, fields: Field[], bytesAfterHead: number): boolean {
  if (header(fields, "x-gantry-error") !== undefined) return bytesAfterHead === 0 && header(fields, "connection") === "close";
  return header(fields, "x-fuzz-method") === "HEAD";
}

/** The responses in what the client got, or why the bytes aren't strict HTTP/1.1. */
function responsesIn(text: string): { responses: ResponseSeen[]; problem?: string } {
  const responses: ResponseSeen[] = [];
  let from = 0;
  while (from < text.length) {
    const reading = readResponse(text, from, true, answersHead);
    if (reading.kind === "incomplete") return { responses, problem: `response cut short: ${JSON.stringify(text.slice(from, from + 200))}` };
    if (reading.kind === "invalid") return { responses, problem: `response bytes break strict HTTP/1.1 (${reading.reason}): ${JSON.stringify(text.slice(from, from + 200))}` };
    if (reading.message.status >= 200) responses.push(reading.message);
    from = reading.end;
  }
  return { responses };
}

describe("fuzzing the proxy with mutated requests", () => {
  let upstream: CheckedUpstream;
  let proxy: Awaited<ReturnType<typeof proxyFor>>;
  beforeAll(async () => {
    upstream = await checkedUpstream();
    proxy = await proxyFor([cluster("fuzz", [{ id: "f1", host: "127.0.0.1", port: upstream.port, revision: 1 }])]);
  });
  afterAll(async () => {
    await proxy?.proxy.close();
    await upstream?.close();
  });

  it(
    `never forwards a byte that isn't strict HTTP/1.1, never answers 5xx, never lets the service see a request it didn't accept (seed ${SEED})`,
    async () => {
      console.log(`proxy fuzz: seed ${SEED}, ${runs.length} runs (FUZZ_SEED, FUZZ_RUNS, FUZZ_RUN=n to replay one)`);
      const findings: string[] = [];
      const outcomes: Record<Outcome, number> = { accepted: 0, "partly accepted": 0, refused: 0, "closed unanswered": 0 };
      let forwarded = 0;

      for (const run of runs) {
        const rng = runPrng(SEED, run);
        const valid = validInput(rng);
        const { text, applied } = rng.chance(UNMUTATED) ? { text: valid, applied: [] } : mutate(valid, rng.between(1, 3), rng);
        const seenBefore = upstream.requests;
        const findingsBefore = upstream.findings.length;
        const answer = await rawConversation(proxy.port("fuzz"), pieces(text, rng), ANSWER_WITHIN_MS, { halfClose: true });
        await new Promise((r) => setImmediate(r)); // let the upstream read whatever was forwarded last

        const { responses, problem } = responsesIn(answer.text);
        const relayed = responses.filter((r) => !fromProxy(r)).length;
        const seen = upstream.requests - seenBefore;
        forwarded += seen;
        const outcome: Outcome = relayed === 0 ? (responses.length === 0 ? "closed unanswered" : "refused") : responses.some(fromProxy) ? "partly accepted" : "accepted";
        outcomes[outcome]++;

        const problems = [
          ...(answer.closed ? [] : [`the proxy neither answered nor closed within ${ANSWER_WITHIN_MS} ms`]),
          ...(problem ? [problem] : []),
          ...responses.filter((r) => r.status >= 500).map((r) => `answered ${r.status}: ${JSON.stringify(r.body.slice(0, 200))}`),
          ...(seen > relayed ? [`the service saw ${seen} requests, the proxy relayed ${relayed} answers`] : []),
          ...upstream.findings.slice(findingsBefore),
          ...(applied.length === 0 && outcome !== "accepted" ? [`a valid input was not accepted in full (${outcome}): ${JSON.stringify(answer.text.slice(0, 300))}`] : []),
        ];
        for (const found of problems) findings.push(`run ${run} [${applied.join(", ") || "unmutated"}]: ${found}\n  input: ${JSON.stringify(text.slice(0, 600))}\n  replay: FUZZ_SEED=${SEED} FUZZ_RUN=${run}`);
      }

      const share = (n: number) => `${((100 * n) / runs.length).toFixed(1)}%`;
      console.log(
        `proxy fuzz: ${runs.length} runs — accepted ${share(outcomes.accepted)}, partly accepted ${share(outcomes["partly accepted"])}, ` +
          `refused ${share(outcomes.refused)}, closed unanswered ${share(outcomes["closed unanswered"])}; ${forwarded} requests reached the service; ${findings.length} findings`,
      );
      expect(findings.slice(0, MAX_FINDINGS_SHOWN), `${findings.length} findings, first ${MAX_FINDINGS_SHOWN} shown`).toEqual([]);
      expect(proxy.logs.filter((line) => line.startsWith("error"))).toEqual([]);
      if (!replaying && runs.length >= 200) {
        // A fuzzer that only sends garbage (or only valid requests) tests little: it shows here.
        expect(outcomes.accepted / runs.length, "share of inputs accepted in full").toBeGreaterThan(0.15);
        expect((outcomes.refused + outcomes["partly accepted"]) / runs.length, "share of inputs refused").toBeGreaterThan(0.15);
      }
    },
    60_000 + RUNS * 50,
  );
});
