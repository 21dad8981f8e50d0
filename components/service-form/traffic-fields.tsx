"use client";

import { balancerPolicies, protocols, routesIssue, type Protocol } from "@/server/contracts/traffic";
import { FormField, inputClass } from "../form-field";
import type { FormErrors } from "./form-values";
import type { RouteDraft, TrafficDraft } from "./traffic-values";

const policyLabels: Record<(typeof balancerPolicies)[number], string> = {
  round_robin: "Round robin",
  weighted: "Weighted (smooth)",
  least_request: "Least request (power of two choices)",
  ring_hash: "Ring hash (sticky)",
  random: "Random",
};

const protocolLabels: Record<Protocol, string> = {
  http: "HTTP/1.1 (balanced per request)",
  tcp: "TCP (balanced per connection)",
  http2: "HTTP/2 cleartext (balanced per request)",
  grpc: "gRPC (HTTP/2, balanced per call)",
};

/** How traffic reaches the service: listener, balancing, ingress routes, retries and limits. */
export function TrafficFields(props: { idPrefix: string; draft: TrafficDraft; errors: FormErrors; onChange(draft: TrafficDraft): void }) {
  const { draft, errors, idPrefix } = props;
  const id = (field: string) => `${idPrefix}traffic.${field}`;
  const set = <K extends keyof TrafficDraft>(key: K, value: TrafficDraft[K]) => props.onChange({ ...draft, [key]: value });
  const text = (key: keyof TrafficDraft, label: string, hint?: string, errorKey = `traffic.${key}`) => (
    <FormField id={id(key)} label={label} hint={hint} error={errors[errorKey]}>
      <input id={id(key)} value={draft[key] as string} onChange={(e) => set(key, e.target.value as never)} className={inputClass} aria-invalid={Boolean(errors[errorKey])} />
    </FormField>
  );
  const setRoute = (index: number, route: RouteDraft) => set("routes", draft.routes.map((r, i) => (i === index ? route : r)));

  return (
    <>
      {text("listenPort", "Listener port", "The service's stable address 127.0.0.1:port; empty keeps the one Gantry picked", "listenPort")}
      <FormField id={id("protocol")} label="Protocol" hint="Callers of a TCP or gRPC service get NAME_ADDR=host:port instead of NAME_URL; HTTP/2 and gRPC listeners speak h2c" error={errors["traffic.protocol"]}>
        <select id={id("protocol")} value={draft.protocol} onChange={(e) => set("protocol", e.target.value as Protocol)} className={inputClass}>
          {protocols.map((p) => (
            <option key={p} value={p}>
              {protocolLabels[p]}
            </option>
          ))}
        </select>
      </FormField>
      <FormField id={id("policy")} label="Balancing" error={errors["traffic.policy"]}>
        <select id={id("policy")} value={draft.policy} onChange={(e) => set("policy", e.target.value as TrafficDraft["policy"])} className={inputClass}>
          {balancerPolicies.map((p) => (
            <option key={p} value={p}>
              {policyLabels[p]}
            </option>
          ))}
        </select>
      </FormField>
      {draft.policy === "weighted" && (
        <div className="@xl:col-span-2">
          <FormField id={id("weights")} label="Weights" hint="revision = weight or instance-id = weight, one per line; unlisted instances weigh 1" error={errors["traffic.weights"]}>
            <textarea id={id("weights")} rows={2} value={draft.weights} onChange={(e) => set("weights", e.target.value)} className={`${inputClass} font-mono`} aria-invalid={Boolean(errors["traffic.weights"])} />
          </FormField>
        </div>
      )}
      {draft.policy === "ring_hash" && (
        <>
          <FormField id={id("hashOn")} label="Sticky by">
            <select id={id("hashOn")} value={draft.hashOn} onChange={(e) => set("hashOn", e.target.value as TrafficDraft["hashOn"])} className={inputClass}>
              <option value="client_ip">Client IP</option>
              <option value="header">Header</option>
              <option value="cookie">Cookie</option>
            </select>
          </FormField>
          {draft.hashOn !== "client_ip" && text("hashName", draft.hashOn === "header" ? "Header name" : "Cookie name")}
        </>
      )}
      <div className="space-y-2 @xl:col-span-2">
        <p className="text-sm font-medium">Ingress routes</p>
        <p className="text-xs text-zinc-500">
          {routesIssue(draft.protocol) ?? "Requests to the gateway (GANTRY_INGRESS_PORT) matching a host and path prefix come here; the longest prefix wins."}
        </p>
        {draft.routes.map((route, index) => (
          <div key={index} className="flex items-center gap-2" data-testid="route">
            <input aria-label={`Route ${index + 1} host`} placeholder="any host" value={route.host} onChange={(e) => setRoute(index, { ...route, host: e.target.value })} className={inputClass} />
            <input aria-label={`Route ${index + 1} path prefix`} value={route.pathPrefix} onChange={(e) => setRoute(index, { ...route, pathPrefix: e.target.value })} className={`${inputClass} font-mono`} />
            <label className="flex shrink-0 items-center gap-1 text-xs">
              <input type="checkbox" checked={route.stripPrefix} onChange={(e) => setRoute(index, { ...route, stripPrefix: e.target.checked })} /> strip prefix
            </label>
            <button type="button" className="shrink-0 text-xs text-zinc-500 hover:text-red-600" onClick={() => set("routes", draft.routes.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        ))}
        {errors["traffic.routes"] && (
          <p role="alert" className="text-xs text-red-600 dark:text-red-400">
            {errors["traffic.routes"]}
          </p>
        )}
        {draft.protocol === "http" && (
          <button type="button" className="text-xs text-sky-600 hover:underline" onClick={() => set("routes", [...draft.routes, { host: "", pathPrefix: "/", stripPrefix: false }])}>
            Add route
          </button>
        )}
      </div>
      {text("metricsPath", "Metrics path", "Where instances serve their own Prometheus metrics, e.g. /metrics; listed at /api/sd/prometheus")}
      <details className="@xl:col-span-2">
        <summary className="cursor-pointer text-sm font-medium">Retries, timeouts and limits</summary>
        <div className="mt-3 grid gap-3 @xl:grid-cols-3">
          {text("retries", "Retries", "On connect errors, resets, and 502/503 to idempotent requests")}
          {text("connectTimeoutMs", "Connect timeout (ms)")}
          {text("requestTimeoutMs", "Response timeout (ms)")}
          {text("perTryTimeoutMs", "Per-try timeout (ms)", "GET, HEAD…: a try with no answer by then goes to another instance; empty: only when its instance looks hung (silent 1 s while others answer)")}
          {text("maxConnections", "Max connections", "Circuit breaker: requests in flight")}
          {text("maxPendingRequests", "Max pending", "Requests waiting beyond that")}
          {text("consecutiveErrors", "Eject after errors", "Consecutive 5xx / gateway errors")}
          {text("baseEjectionSeconds", "Base ejection (s)", "× times ejected")}
          {text("maxEjectionPercent", "Max ejected (%)")}
        </div>
      </details>
    </>
  );
}
