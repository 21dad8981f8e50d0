import fs from "node:fs";
import type { DockerOptions } from "dockerode";

/**
 * The Swarm manager's API: GANTRY_SWARM_HOST (so that the swarm can be another daemon than the
 * one `runtime: docker` uses), else DOCKER_HOST, else the local socket. A tcp:// address speaks TLS
 * when DOCKER_TLS_VERIFY is set, with the certificates in DOCKER_CERT_PATH, as the docker CLI does.
 */
export function dockerConnection(host = process.env.GANTRY_SWARM_HOST || process.env.DOCKER_HOST || "unix:///var/run/docker.sock"): { options: DockerOptions; address: string } {
  if (host.startsWith("unix://")) return { options: { socketPath: host.slice("unix://".length) }, address: host };
  if (host.startsWith("/")) return { options: { socketPath: host }, address: host };
  const url = new URL(host.replace(/^tcp:/, "http:"));
  const tls = Boolean(process.env.DOCKER_TLS_VERIFY);
  const certs = process.env.DOCKER_CERT_PATH;
  return {
    options: {
      host: url.hostname,
      port: Number(url.port) || (tls ? 2376 : 2375),
      protocol: tls ? "https" : "http",
      ...(tls && certs ? { ca: fs.readFileSync(`${certs}/ca.pem`), cert: fs.readFileSync(`${certs}/cert.pem`), key: fs.readFileSync(`${certs}/key.pem`) } : {}),
    },
    address: host,
  };
}
