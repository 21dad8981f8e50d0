import { trafficSettings, type BalancerPolicy, type Protocol, type TrafficSettings, type TrafficSettingsInput } from "@/server/contracts/traffic";
import { numberOrNaN, type FormErrors } from "./form-values";

export type RouteDraft = { host: string; pathPrefix: string; stripPrefix: boolean };

/** Traffic settings as typed into the form. */
export type TrafficDraft = {
  listenPort: string;
  protocol: Protocol;
  policy: BalancerPolicy;
  /** `2 = 80` (revision 2) or `api-x1y2z = 5` (an instance), one per line. */
  weights: string;
  hashOn: "client_ip" | "header" | "cookie";
  hashName: string;
  routes: RouteDraft[];
  retries: string;
  connectTimeoutMs: string;
  requestTimeoutMs: string;
  /** Empty: none. */
  perTryTimeoutMs: string;
  maxConnections: string;
  maxPendingRequests: string;
  consecutiveErrors: string;
  baseEjectionSeconds: string;
  maxEjectionPercent: string;
  /** Where the instances serve their own Prometheus metrics; empty for none. */
  metricsPath: string;
};

export function trafficDraftOf(traffic: TrafficSettings = trafficSettings.parse({}), listenPort: number | null = null): TrafficDraft {
  const weights = [
    ...Object.entries(traffic.weights.revisions).map(([rev, w]) => `${rev} = ${w}`),
    ...Object.entries(traffic.weights.instances).map(([id, w]) => `${id} = ${w}`),
  ].join("\n");
  return {
    listenPort: listenPort === null ? "" : String(listenPort),
    protocol: traffic.protocol,
    policy: traffic.policy,
    weights,
    hashOn: traffic.hashOn.kind,
    hashName: traffic.hashOn.kind === "client_ip" ? "" : traffic.hashOn.name,
    routes: traffic.routes.map((r) => ({ host: r.host ?? "", pathPrefix: r.pathPrefix, stripPrefix: r.stripPrefix })),
    retries: String(traffic.retries),
    connectTimeoutMs: String(traffic.connectTimeoutMs),
    requestTimeoutMs: String(traffic.requestTimeoutMs),
    perTryTimeoutMs: traffic.perTryTimeoutMs === null ? "" : String(traffic.perTryTimeoutMs),
    maxConnections: String(traffic.maxConnections),
    maxPendingRequests: String(traffic.maxPendingRequests),
    consecutiveErrors: String(traffic.outlier.consecutiveErrors),
    baseEjectionSeconds: String(traffic.outlier.baseEjectionSeconds),
    maxEjectionPercent: String(traffic.outlier.maxEjectionPercent),
    metricsPath: traffic.metricsPath ?? "",
  };
}

/** Parses the traffic part of the form; error keys are `traffic.<field>` and `listenPort`. */
export function toTrafficInput(draft: TrafficDraft): { traffic: TrafficSettingsInput; listenPort: number | undefined } | { errors: FormErrors } {
  const errors: FormErrors = {};
  const weights: { instances: Record<string, number>; revisions: Record<string, number> } = { instances: {}, revisions: {} };
  for (const [index, line] of draft.weights.split("\n").entries()) {
    if (!line.trim()) continue;
    const match = /^\s*([\w-]+)\s*=\s*([\d.]+)\s*$/.exec(line);
    if (!match) {
      errors["traffic.weights"] = `line ${index + 1}: expected "revision = weight" or "instance = weight"`;
      break;
    }
    (/^\d+$/.test(match[1]!) ? weights.revisions : weights.instances)[match[1]!] = Number(match[2]);
  }
  const candidate: TrafficSettingsInput = {
    protocol: draft.protocol,
    policy: draft.policy,
    weights,
    hashOn: draft.hashOn === "client_ip" ? { kind: "client_ip" } : { kind: draft.hashOn, name: draft.hashName.trim() },
    routes: draft.routes.map((r) => ({ host: r.host.trim() === "" ? null : r.host.trim(), pathPrefix: r.pathPrefix.trim(), stripPrefix: r.stripPrefix })),
    retries: numberOrNaN(draft.retries),
    connectTimeoutMs: numberOrNaN(draft.connectTimeoutMs),
    requestTimeoutMs: numberOrNaN(draft.requestTimeoutMs),
    perTryTimeoutMs: draft.perTryTimeoutMs.trim() === "" ? null : numberOrNaN(draft.perTryTimeoutMs),
    maxConnections: numberOrNaN(draft.maxConnections),
    maxPendingRequests: numberOrNaN(draft.maxPendingRequests),
    outlier: {
      consecutiveErrors: numberOrNaN(draft.consecutiveErrors),
      baseEjectionSeconds: numberOrNaN(draft.baseEjectionSeconds),
      maxEjectionPercent: numberOrNaN(draft.maxEjectionPercent),
    },
    metricsPath: draft.metricsPath.trim() === "" ? null : draft.metricsPath.trim(),
  };
  const checked = trafficSettings.safeParse(candidate);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const [head, second] = issue.path.map(String);
      const key = head === "outlier" ? `traffic.${second}` : head === "hashOn" ? "traffic.hashName" : `traffic.${head}`;
      errors[key] ??= issue.message.startsWith("Invalid input: expected number") ? "must be a number" : issue.message;
    }
  }
  let listenPort: number | undefined;
  if (draft.listenPort.trim() !== "") {
    listenPort = Number(draft.listenPort);
    if (!Number.isInteger(listenPort) || listenPort < 1024 || listenPort > 65535) errors.listenPort = "listener port must be a whole number from 1024 to 65535";
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { traffic: candidate, listenPort };
}
