import { Deployment, type IDeployment } from "kubernetes-models/apps/v1";
import { Service, type IService } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import fs from "node:fs";
import path from "node:path";
import { importCompose } from "./import-compose";
import { CONTAINER_PORT, renderKubernetes } from "./kubernetes";
import { parseConfig } from "./parse";

/** Renders a gantry.yaml and reads the documents back, each validated against Kubernetes' own schema. */
function rendered(yaml: string) {
  const text = renderKubernetes(parseConfig(yaml).config);
  const documents = parseAllDocuments(text);
  const objects = documents.map((document) => {
    expect(document.errors).toEqual([]);
    return document.toJS() as { kind: string; metadata: { name: string } } & Record<string, unknown>;
  });
  for (const object of objects) {
    if (object.kind === "Deployment") new Deployment(object as never).validate();
    else if (object.kind === "Service") new Service(object as never).validate();
    else throw new Error(`unexpected kind ${object.kind}`);
  }
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const deployment = (name: string) => named("Deployment", name) as IDeployment | undefined;
  const service = (name: string) => named("Service", name) as IService | undefined;
  const container = (name: string) => deployment(name)!.spec!.template.spec!.containers[0]!;
  return { text, objects, deployment, service, container, header: text.slice(0, text.indexOf("---")) };
}

const SHOP = `
version: 1
services:
  api:
    runtime: docker
    image: registry.example.com/shop/api:2.1
    command: node
    args: [server.js]
    cwd: /srv/api
    user: "1000:1000"
    replicas: 3
    env:
      LOG_LEVEL: info
      DB_PASSWORD: { fromEnv: SHOP_DB_PASSWORD }
      TLS_KEY: { fromFile: ./secrets/tls key.pem }
    probes:
      startup: { kind: tcp, periodSeconds: 2, failureThreshold: 30 }
      readiness: { kind: http, path: /healthz, headers: { X-Probe: gantry }, periodSeconds: 5, timeoutSeconds: 0.5 }
      liveness: { kind: exec, command: [/bin/check, --live], initialDelaySeconds: 10 }
    memoryLimitMb: 512
    cpuLimit: 0.5
    gracePeriodSeconds: 20
    strategy: { maxSurge: 2, maxUnavailable: 1, minReadySeconds: 5, progressDeadlineSeconds: 300 }
    autoscale: { minReplicas: 2, maxReplicas: 6, targets: { requestsPerSecond: 80 } }
    labels: { team: shop }
    dependsOn: [db, payments, mailer]
  db:
    runtime: docker
    image: postgres:17
    env:
      POSTGRES_PASSWORD: { fromEnv: SHOP_DB_PASSWORD }
    probes:
      readiness: { kind: exec, command: [pg_isready] }
  mailer:
    command: node mailer.js
    shell: true
  cron:
    runtime: docker
    image: busybox
    command: "while true; do date; sleep 60; done"
    shell: true
    listens: false
    restartPolicy: on-failure
    stopSignal: SIGINT
external:
  payments: {}
`;

describe("renderKubernetes", () => {
  const shop = rendered(SHOP);

  it("renders a Deployment per container service and a Service per listening one, all valid Kubernetes objects", () => {
    expect(shop.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Deployment/api", "Service/api", "Deployment/cron", "Deployment/db", "Service/db"]);
  });

  it("carries replicas, the image, the command, the working directory, the user and the rollout strategy", () => {
    const api = shop.deployment("api")!;
    expect(api.spec!).toMatchObject({
      replicas: 3,
      selector: { matchLabels: { "app.kubernetes.io/name": "api" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } },
      minReadySeconds: 5,
      progressDeadlineSeconds: 300,
    });
    expect(api.metadata!.labels).toEqual({ "app.kubernetes.io/name": "api", "app.kubernetes.io/managed-by": "gantry", team: "shop" });
    expect(api.spec!.template.spec!.terminationGracePeriodSeconds).toBe(20);
    expect(shop.container("api")).toMatchObject({
      name: "api",
      image: "registry.example.com/shop/api:2.1",
      command: ["node"],
      args: ["server.js"],
      workingDir: "/srv/api",
      ports: [{ name: "http", containerPort: CONTAINER_PORT, protocol: "TCP" }],
      securityContext: { runAsUser: 1000, runAsGroup: 1000 },
      resources: { limits: { memory: "512Mi", cpu: "500m" } },
    });
  });

  it("gives PORT, one <NAME>_URL per dependency through cluster DNS, and secrets from the service's Secret", () => {
    expect(shop.container("api").env).toEqual([
      { name: "PORT", value: "8080" },
      { name: "DB_URL", value: "http://db" },
      { name: "MAILER_URL", value: "http://mailer" },
      { name: "PAYMENTS_URL", value: "http://payments" },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "api", key: "DB_PASSWORD" } } },
      { name: "LOG_LEVEL", value: "info" },
      { name: "TLS_KEY", valueFrom: { secretKeyRef: { name: "api", key: "TLS_KEY" } } },
    ]);
    expect(shop.header).toContain(`#   kubectl create secret generic api --from-literal=DB_PASSWORD="$SHOP_DB_PASSWORD" --from-file=TLS_KEY='./secrets/tls key.pem'\n`);
    expect(shop.header).toContain(`#   kubectl create secret generic db --from-literal=POSTGRES_PASSWORD="$SHOP_DB_PASSWORD"\n`);
  });

  it("maps http, tcp and exec probes with their timing, rounding fractions of a second up", () => {
    expect(shop.container("api")).toMatchObject({
      startupProbe: { tcpSocket: { port: CONTAINER_PORT }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 30 },
      readinessProbe: { httpGet: { path: "/healthz", port: CONTAINER_PORT, httpHeaders: [{ name: "X-Probe", value: "gantry" }] }, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 3 },
      livenessProbe: { exec: { command: ["/bin/check", "--live"] }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
    });
    expect(shop.container("api").startupProbe!.initialDelaySeconds).toBeUndefined();
    expect(shop.header).toContain("#   - api.probes.readiness.timeoutSeconds: 0.5 s rounded up to 1 (Kubernetes counts whole seconds)\n");
  });

  it("maps grpc probes to Kubernetes' grpc probe: the instance's port by default, the service name when there is one", () => {
    const grpc = rendered(`
version: 1
services:
  greeter:
    runtime: docker
    image: registry.example.com/greeter:1
    probes:
      readiness: { kind: grpc, periodSeconds: 2 }
      liveness: { kind: grpc, port: 9090, service: greeter.v1.Greeter, timeoutSeconds: 3 }
`);
    expect(grpc.container("greeter").readinessProbe).toEqual({ grpc: { port: CONTAINER_PORT }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 });
    expect(grpc.container("greeter").livenessProbe).toEqual({ grpc: { port: 9090, service: "greeter.v1.Greeter" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });
  });

  it("marks a grpc service's port as h2c and gives its callers NAME_ADDR", () => {
    const objects = rendered(`
version: 1
services:
  greeter:
    runtime: docker
    image: registry.example.com/greeter:1
    traffic: { protocol: grpc }
  web:
    runtime: docker
    image: registry.example.com/web:1
    dependsOn: [greeter]
`);
    expect(objects.service("greeter")!.spec!.ports).toEqual([{ name: "grpc", port: 80, targetPort: CONTAINER_PORT, protocol: "TCP", appProtocol: "kubernetes.io/h2c" }]);
    expect(objects.container("web").env).toContainEqual({ name: "GREETER_ADDR", value: "greeter:80" });
  });

  it("exposes port 80 of a ClusterIP Service on the container's PORT", () => {
    expect(shop.service("api")!.spec).toEqual({
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "api" },
      ports: [{ name: "http", port: 80, targetPort: CONTAINER_PORT, protocol: "TCP" }],
    });
    expect(shop.service("cron")).toBeUndefined();
  });

  it("runs a shell line as the docker driver does, with /bin/sh -c", () => {
    expect(shop.container("cron")).toMatchObject({ command: ["/bin/sh", "-c"], args: ["while true; do date; sleep 60; done", "cron"] });
    expect(shop.container("cron").ports).toBeUndefined();
  });

  it("lists what it did not export: process and external services and settings Kubernetes has no place for", () => {
    expect(shop.header.split("# Not exported:\n")[1]!.trimEnd().split("\n")).toEqual([
      "#   - payments: an external service (its endpoints register with Gantry); not exported",
      "#   - api.dependsOn.mailer: mailer is not exported: MAILER_URL names a Service you provide",
      "#   - api.dependsOn.payments: payments is not exported: PAYMENTS_URL names a Service you provide",
      "#   - api.probes.readiness.timeoutSeconds: 0.5 s rounded up to 1 (Kubernetes counts whole seconds)",
      "#   - api.autoscale: a HorizontalPodAutoscaler needs these metrics from an adapter (requests/s and p95 are Gantry's proxy's, CPU % is of a core); not exported",
      "#   - cron.stopSignal: Kubernetes stops containers with SIGTERM (or the image's STOPSIGNAL); SIGINT not exported",
      "#   - cron.restartPolicy: a Deployment's pods always restart; on-failure not exported",
      "#   - mailer: runs a local process (runtime: process) and Kubernetes runs images; not exported",
    ]);
    expect(shop.objects.some((o) => o.metadata.name === "mailer" || o.metadata.name === "payments")).toBe(false);
  });

  it("renders the README's gantry.yaml (a process service and a container) into valid objects", () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Config as code"));
    const { objects, header } = rendered(/```yaml\n([\s\S]*?)```/.exec(section)![1]!);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Deployment/db", "Service/db"]);
    expect(header).toContain("#   - api: runs a local process (runtime: process) and Kubernetes runs images; not exported\n");
    expect(header).toContain("#   - db.listenPort: Gantry's listener port; the Service listens on 80\n");
  });

  it("renders what a compose import produced (the awesome-compose fixture) into valid objects", () => {
    const compose = fs.readFileSync(path.join(import.meta.dirname, "fixtures", "nginx-golang-postgres-rabbitmq.compose.yaml"), "utf8");
    const { objects, container } = rendered(importCompose(compose, "compose.yaml").yaml);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Deployment/backend", "Deployment/db", "Service/db", "Deployment/mq", "Service/mq", "Deployment/proxy", "Service/proxy"]);
    expect(container("db").readinessProbe).toEqual({ exec: { command: ["pg_isready"] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 5 });
    expect(container("mq").env).toContainEqual({ name: "RABBITMQ_DEFAULT_PASS", valueFrom: { secretKeyRef: { name: "mq", key: "RABBITMQ_DEFAULT_PASS" } } });
  });

  it("a file with no container services renders only the header", () => {
    const { objects, text } = rendered("version: 1\nservices:\n  web: { command: node web.js }\n");
    expect(objects).toEqual([]);
    expect(text).toContain("#   - web: runs a local process");
  });
});
