// npm run bench:swarm — scaling a Swarm service 1 → 10 until every task answers HTTP: `docker service
// scale` alone against the same through Gantry (its scale call until all 10 instances are ready), in the
// same run, on the swarm at GANTRY_SWARM_HOST (scripts/swarm-test-daemon.sh starts one).
import { apiClient, startTestGantry } from "../server/testing/gantry";
import { testSwarm } from "../server/testing/swarm";
import { saveResults, until } from "./gantry-process";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REPLICAS = 10;
const REFERENCE_BLOCK = 599;
const httpd = 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p "$PORT" -h /www';

const swarm = await testSwarm();
if (!swarm) throw new Error("bench:swarm needs a swarm manager at GANTRY_SWARM_HOST (scripts/swarm-test-daemon.sh start)");
const { docker, image } = swarm;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/`).then(
    (r) => r.ok,
    () => false,
  );
const allAnswer = async (ports: number[]) => ((await Promise.all(ports.map(answers))).every(Boolean) ? true : undefined);
/** Scaled back down: the other slots' tasks have really stopped (not only been told to), so the next round starts from one. */
const noneAnswer = async (ports: number[]) => ((await Promise.all(ports.map(answers))).some(Boolean) ? undefined : true);
const slots = (block: number, count: number) => Array.from({ length: count }, (_, i) => block * 100 + i + 1);

// The reference: a Swarm service of the same image, command and per-slot ports, scaled with the API alone.
const network = (await docker.listNetworks({ filters: { name: ["host"], driver: ["host"] } }))[0]!.Id;
const reference = await docker.createService({
  Name: "bench-swarm-alone",
  TaskTemplate: {
    ContainerSpec: { Image: image, Command: ["/bin/sh", "-c"], Args: [httpd], Env: [`PORT=${REFERENCE_BLOCK}{{printf "%02s" .Task.Slot}}`], StopGracePeriod: 1e9 },
    Networks: [{ Target: network }],
  },
  Mode: { Replicated: { Replicas: 1 } },
});
const scaleReference = async (replicas: number) => {
  const current = await reference.inspect();
  await reference.update({ ...current.Spec, Mode: { Replicated: { Replicas: replicas } }, version: current.Version.Index });
};
await until(() => allAnswer(slots(REFERENCE_BLOCK, 1)));
const alone: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  await scaleReference(REPLICAS);
  await until(() => allAnswer(slots(REFERENCE_BLOCK, REPLICAS)));
  alone.push(performance.now() - started);
  await scaleReference(1);
  await until(() => noneAnswer(slots(REFERENCE_BLOCK, REPLICAS).slice(1)));
}
await reference.remove();

// Through Gantry: the scale call until all ten instances are ready (probed through their ports).
const gantry = await startTestGantry({ swarm: { ...swarm.settings, pollMs: 250 } });
const api = apiClient(gantry);
const service = await api.services.create.mutate({ name: "bench-swarm", replicas: 1, template: { runtime: "swarm", image, command: httpd, shell: true, gracePeriodSeconds: 1 } });
const readyCount = async () => (await api.instances.list.query({ serviceId: service.id })).filter((i) => i.ready).length;
await until(async () => ((await readyCount()) === 1 ? true : undefined));
const block = Number((await docker.listServices({ filters: { label: [`gantry.service=${service.id}`] } }))[0]!.Spec!.Labels!["gantry.port-block"]);
const ports = slots(block, REPLICAS);
const through: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  await api.services.scale.mutate({ id: service.id, replicas: REPLICAS });
  await until(async () => ((await readyCount()) === REPLICAS ? true : undefined));
  await until(() => allAnswer(ports));
  through.push(performance.now() - started);
  await api.services.scale.mutate({ id: service.id, replicas: 1 });
  await until(async () => ((await api.instances.list.query({ serviceId: service.id })).length === 1 ? true : undefined));
  await until(() => noneAnswer(ports.slice(1)));
}
await api.services.delete.mutate({ id: service.id });
await until(async () => ((await docker.listServices({ filters: { label: [`gantry.service=${service.id}`] } })).length === 0 ? true : undefined));
await gantry.stop();

const results = { replicas: REPLICAS, rounds: ROUNDS, swarmAloneMs: Math.round(median(alone)), gantryMs: Math.round(median(through)), allSwarmAloneMs: alone.map(Math.round), allGantryMs: through.map(Math.round) };
console.log(`scale 1 → ${REPLICAS} until all answer, median of ${ROUNDS}: docker service scale alone ${results.swarmAloneMs} ms, through Gantry ${results.gantryMs} ms (${(results.gantryMs / results.swarmAloneMs).toFixed(2)} ×)`);
console.log(`saved ${saveResults("swarm", results)}`);
