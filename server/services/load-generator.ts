import http from "node:http";
import { z } from "zod";
import type { LoadJob } from "../contracts/realtime";
import { serviceId } from "../contracts/service";
import { AppError } from "../lib/app-error";
import { Feed } from "../lib/feed";
import { newId } from "../lib/ids";
import type { Logger } from "../lib/logger";
import type { Topology } from "./topology";

export const loadInput = z.object({
  serviceId,
  /** Requests per second. */
  rate: z.number().int().min(1, "rate must be at least 1 request per second").max(500, "rate is capped at 500 requests per second"),
  seconds: z.number().int().min(1).max(300, "a run lasts at most 300 seconds"),
  path: z.string().startsWith("/", "path must start with /").max(512).default("/"),
});
export type LoadInput = z.input<typeof loadInput>;

const TICK_MS = 100;
const PUBLISH_MS = 250;
/** Requests waiting for an answer beyond this are not sent (the target is not keeping up). */
const MAX_IN_FLIGHT = 256;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * "Send traffic": GET requests at a steady rate to a service's own listener on loopback (so they
 * go through the data plane and show on its charts), for a bounded time. One run per service.
 */
export function createLoadGenerator(topology: Topology, log: Logger) {
  const jobs = new Map<string, LoadJob>();
  const updates = new Feed<LoadJob>("load jobs", log);
  const timers = new Map<string, NodeJS.Timeout>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const publish = (job: LoadJob) => updates.publish({ ...job });

  function run(job: LoadJob, port: number, path: string): void {
    const total = job.rate * job.seconds;
    let issued = 0; // sent, plus those shed because the target was not keeping up
    let inFlight = 0;
    let lastPublish = 0;
    const answered = (ok: boolean) => {
      inFlight--;
      if (ok) job.ok++;
      else job.failed++;
    };
    const send = () => {
      if (inFlight >= MAX_IN_FLIGHT) {
        job.failed++;
        return;
      }
      inFlight++;
      job.sent++;
      http
        .get({ host: "127.0.0.1", port, path, agent, timeout: REQUEST_TIMEOUT_MS, headers: { "user-agent": "gantry-load" } }, (res) => {
          res.resume();
          res.on("end", () => answered(res.statusCode! < 500));
          res.on("error", () => answered(false));
        })
        .on("timeout", function (this: http.ClientRequest) {
          this.destroy(new Error("timed out"));
        })
        .on("error", () => answered(false));
    };
    // Requests are due on a schedule from the start time, not per tick, so timer drift doesn't
    // lose any; the run is done once all are sent and answered.
    const timer = setInterval(() => {
      if (job.state === "running") {
        const due = Math.min(total, Math.ceil((job.rate * (Date.now() - job.startedAt)) / 1000));
        for (; issued < due; issued++) send();
        if (issued === total && inFlight === 0) job.state = "done";
      }
      const finished = job.state !== "running" && inFlight === 0;
      if (finished || Date.now() - lastPublish >= PUBLISH_MS) {
        lastPublish = Date.now();
        publish(job);
      }
      if (finished) {
        clearInterval(timer);
        timers.delete(job.id);
      }
    }, TICK_MS);
    timer.unref();
    timers.set(job.id, timer);
  }

  return {
    async start(raw: LoadInput): Promise<LoadJob> {
      const input = loadInput.parse(raw);
      const service = await topology.getService(input.serviceId);
      if (service.listenPort === null) throw new AppError("BAD_REQUEST", `service ${service.name} has no listener to send traffic to`);
      const running = [...jobs.values()].find((j) => j.serviceId === service.id && j.state === "running");
      if (running) throw new AppError("CONFLICT", `traffic is already being sent to ${service.name}; stop that run first`);
      const job: LoadJob = { id: newId(), serviceId: service.id, serviceName: service.name, rate: input.rate, seconds: input.seconds, startedAt: Date.now(), sent: 0, ok: 0, failed: 0, state: "running" };
      jobs.set(job.id, job);
      // Keep the list short: finished runs beyond the last 20 are forgotten.
      for (const old of [...jobs.values()].filter((j) => j.state !== "running").slice(0, -20)) jobs.delete(old.id);
      publish(job);
      run(job, service.listenPort, input.path);
      return { ...job };
    },

    stop(id: string): LoadJob {
      const job = jobs.get(id);
      if (!job) throw new AppError("NOT_FOUND", `traffic run ${id} not found`);
      if (job.state === "running") {
        job.state = "stopped";
        publish(job);
      }
      return { ...job };
    },

    list(): LoadJob[] {
      return [...jobs.values()].map((j) => ({ ...j }));
    },

    subscribe(listener: (job: LoadJob) => void): () => void {
      return updates.subscribe(listener);
    },

    close(): void {
      for (const timer of timers.values()) clearInterval(timer);
      agent.destroy();
    },
  };
}

export type LoadGenerator = ReturnType<typeof createLoadGenerator>;
