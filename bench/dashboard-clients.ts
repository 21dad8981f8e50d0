// A share of bench:dashboards' clients, in a process of its own so their CPU is not Gantry's: N
// WebSockets bound to the given 127.0.0.x source addresses (Gantry caps sockets per address), each
// subscribed to the Overview's topics. Every socket counts its frames and bytes; one in SAMPLE_EVERY
// also parses them, for the delay from a metrics tick to its arrival and the ticks it saw. Talks to
// bench/dashboards.ts over IPC: "connected" once every socket is open, subscribed and has every
// snapshot, then "reset", "report" and "close".
import WebSocket from "ws";
import type { MetricsDelta, ServerMessage, TopicMessage } from "../server/contracts/realtime";

export type ClientsConfig = { url: string; count: number; addresses: string[]; topics: string[]; headers: Record<string, string> };
export type ClientsReport = { sockets: number; closed: number; frames: number; bytes: number; sampled: number; metricsDeltas: number; otherDeltas: number; delaysMs: number[] };
export type FromClients = { type: "connected"; sockets: number; retries: number; ms: number } | { type: "reset" } | { type: "report"; report: ClientsReport } | { type: "failed"; message: string };
export type ToClients = { type: "reset" | "report" | "close" };

const SAMPLE_EVERY = 10;
const CONCURRENT_CONNECTS = 50;
const WAVE = 250;

const config = JSON.parse(process.env.BENCH_CLIENTS_CONFIG!) as ClientsConfig;
const tell = (message: FromClients) => process.send!(message);

type Sampled = { metricsDeltas: number; otherDeltas: number; delaysMs: number[] };
const totals = { frames: 0, bytes: 0, closed: 0 };
const samples: Sampled[] = [];
const sockets: WebSocket[] = [];
let snapshots = 0;
let retries = 0;

function take(message: TopicMessage, receivedAt: number, sample: Sampled | undefined) {
  if (message.type === "snapshot") return void snapshots++;
  if (!sample) return;
  if (message.topic === "metrics") {
    sample.metricsDeltas++;
    sample.delaysMs.push(receivedAt - (message.data as MetricsDelta).at);
  } else sample.otherDeltas++;
}

/** Opens socket `index`; a refused upgrade (a 408 when thousands arrive at once) is tried again, as a dashboard would. */
async function open(index: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openOnce(index);
    } catch (err) {
      if (attempt === 5) throw err;
      retries++;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function openOnce(index: number): Promise<void> {
  const ws = new WebSocket(`${config.url.replace("http", "ws")}/api/ws`, { headers: config.headers, localAddress: config.addresses[index % config.addresses.length], perMessageDeflate: false });
  const sample = index % SAMPLE_EVERY === 0 ? { metricsDeltas: 0, otherDeltas: 0, delaysMs: [] } : undefined;
  ws.on("message", (raw: Buffer) => {
    totals.frames++;
    totals.bytes += raw.length;
    // Snapshots and errors come as frames of their own: of the batches, only the sampled sockets parse theirs.
    if (!sample && raw[9] === 0x62 /* {"type":"b */) return;
    const receivedAt = Date.now();
    const message = JSON.parse(raw.toString()) as ServerMessage;
    if (message.type === "batch") for (const m of message.messages) take(m, receivedAt, sample);
    else if (message.type === "error") tell({ type: "failed", message: `gateway error: ${message.message}` });
    else take(message, receivedAt, sample);
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  ws.on("close", () => totals.closed++);
  ws.on("error", () => {}); // counted as closed
  sockets.push(ws);
  if (sample) samples.push(sample);
}

process.on("message", (message: ToClients) => {
  if (message.type === "reset") {
    totals.frames = totals.bytes = 0;
    for (const s of samples) (s.metricsDeltas = 0), (s.otherDeltas = 0), (s.delaysMs.length = 0);
    tell({ type: "reset" });
  } else if (message.type === "report") {
    tell({
      type: "report",
      report: {
        sockets: sockets.length,
        ...totals,
        sampled: samples.length,
        metricsDeltas: samples.reduce((n, s) => n + s.metricsDeltas, 0),
        otherDeltas: samples.reduce((n, s) => n + s.otherDeltas, 0),
        delaysMs: samples.flatMap((s) => s.delaysMs),
      },
    });
  } else {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});

const started = performance.now();
try {
  // In waves, each opened, subscribed and sent its snapshots before the next: all at once, Gantry
  // would queue tens of thousands of snapshot frames, and its RSS would keep that burst's high-water mark.
  for (let first = 0; first < config.count; first += WAVE) {
    const wave = Array.from({ length: Math.min(WAVE, config.count - first) }, (_, i) => first + i);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT_CONNECTS }, async () => {
        while (next < wave.length) await open(wave[next++]!);
      }),
    );
    for (const ws of sockets.slice(first)) for (const topic of config.topics) ws.send(JSON.stringify({ type: "subscribe", topic }));
    while (snapshots < sockets.length * config.topics.length) await new Promise((r) => setTimeout(r, 20));
  }
  tell({ type: "connected", sockets: sockets.length, retries, ms: performance.now() - started });
} catch (err) {
  tell({ type: "failed", message: `connecting: ${(err as Error).message}` });
}
