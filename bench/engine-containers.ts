// Part of bench:engine — containers: start → ready through Gantry against `docker run` of the same
// image alone, in the same run, and what 20 idle containers cost Gantry and the daemon.
import { execFileSync, spawnSync } from "node:child_process";
import { testDocker } from "../server/testing/docker";
import { measureIdle, processStats, until, type GantryProcess } from "./gantry-process";

const ROUNDS = 5;
const IDLE_CONTAINERS = 20;
const REFERENCE_PORT = 42_500;
const httpd = (port: string) => `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p ${port} -h /www`;

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/`).then(
    (r) => r.ok,
    () => false,
  );
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchContainers({ api, child }: GantryProcess) {
  const docker = await testDocker();
  if (!docker) return { skipped: "no Docker daemon at DOCKER_HOST (scripts/docker-test-daemon.sh starts one)" };
  const dockerHost = process.env.DOCKER_HOST ? ["-H", process.env.DOCKER_HOST] : [];

  // The reference: `docker run -d` of the same image and command, until it answers HTTP.
  const alone: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    const id = execFileSync("docker", [...dockerHost, "run", "-d", "--network", "host", docker.image, "sh", "-c", httpd(String(REFERENCE_PORT))], { encoding: "utf8" }).trim();
    await until(() => answers(REFERENCE_PORT).then((ok) => (ok ? true : undefined)));
    alone.push(performance.now() - started);
    spawnSync("docker", [...dockerHost, "rm", "-f", id]);
  }

  // Through Gantry: scale 0 → 1, until the instance is ready and answers on its port.
  const service = await api.services.create.mutate({ name: "bench-containers", replicas: 0, template: { runtime: "docker", image: docker.image, command: httpd("$PORT"), shell: true, gracePeriodSeconds: 1 } });
  const instancesOf = () => api.instances.list.query({ serviceId: service.id });
  const gantry: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await api.services.scale.mutate({ id: service.id, replicas: 1 });
    const [instance] = await until(async () => ((list) => (list.length === 1 && list[0]!.ready ? list : undefined))(await instancesOf()));
    await until(() => answers(instance!.port!).then((ok) => (ok ? true : undefined)));
    gantry.push(performance.now() - started);
    await api.services.scale.mutate({ id: service.id, replicas: 0 });
    await until(async () => ((await instancesOf()).length === 0 ? true : undefined));
  }
  const startToReady = { dockerRunMs: Math.round(median(alone)), gantryMs: Math.round(median(gantry)), allDockerRunMs: alone.map(Math.round), allGantryMs: gantry.map(Math.round) };
  console.log(`container start → answering HTTP, median of ${ROUNDS}: docker run alone ${startToReady.dockerRunMs} ms, through Gantry ${startToReady.gantryMs} ms (${(startToReady.gantryMs / startToReady.dockerRunMs).toFixed(2)} ×)`);

  // Idle: Gantry and dockerd over 30 s, with no container, then with 20 (stats sampled, logs followed).
  const dockerd = Number(spawnSync("pgrep", ["-o", "-x", "dockerd"], { encoding: "utf8" }).stdout.trim()) || undefined;
  const idleOf = async () => {
    const daemonBefore = dockerd ? processStats(dockerd).cpuSeconds : 0;
    const gantryIdle = await measureIdle(child.pid!, 30_000);
    const daemonCpuPercent = dockerd ? ((processStats(dockerd).cpuSeconds - daemonBefore) / 30) * 100 : null;
    return { gantry: gantryIdle, dockerdCpuPercent: daemonCpuPercent };
  };
  const without = await idleOf();
  await api.services.scale.mutate({ id: service.id, replicas: IDLE_CONTAINERS });
  await until(async () => ((list) => (list.length === IDLE_CONTAINERS && list.every((i) => i.ready) ? true : undefined))(await instancesOf()));
  await new Promise((r) => setTimeout(r, 5000));
  const withContainers = await idleOf();
  const pct = (n: number | null) => (n === null ? "?" : `${n.toFixed(2)}%`);
  console.log(
    `idle, 0 → ${IDLE_CONTAINERS} containers: Gantry CPU ${pct(without.gantry.cpuPercent)} → ${pct(withContainers.gantry.cpuPercent)} of one core, RSS ${without.gantry.rssMiB.toFixed(0)} → ${withContainers.gantry.rssMiB.toFixed(0)} MiB; dockerd CPU ${pct(without.dockerdCpuPercent)} → ${pct(withContainers.dockerdCpuPercent)}`,
  );
  await api.services.delete.mutate({ id: service.id });
  return { startToReady, idle: { without, [`with${IDLE_CONTAINERS}`]: withContainers } };
}
