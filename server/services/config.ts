import { isDeepStrictEqual } from "node:util";
import type { EventActor } from "../contracts/event";
import {
  configApplyInput,
  configExportInput,
  type ConfigApplyInput,
  type ConfigApplyResult,
  type ConfigDiff,
  type ConfigExport,
  type ConfigExportInput,
  type DependencyEdge,
  type FieldChange,
  type SecretNeed,
  type ServiceConfigPlan,
  type ServiceDrift,
} from "../contracts/config";
import { instanceTemplate, SECRET_PLACEHOLDER, type ServiceUpdateInput } from "../contracts/service";
import { dependencyEnvName, trafficSettings, type Protocol } from "../contracts/traffic";
import { compactExternal, compactService, diffEntries, fileExternalOf, fileServiceOf, renderConfig, secretNeeds, type StoredService } from "../config/export";
import { ConfigError, parseConfig, type ConfigProblem, type ParsedConfig } from "../config/parse";
import { fileExternalService, fileServiceFields, isSecretRef, type ConfigFile, type FileExternalService, type FileService } from "../config/schema";
import { AppError } from "../lib/app-error";
import type { SecretBox } from "../lib/secret-box";
import { auditedTransaction, type Recorder, type Tx } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";
import { isUniqueViolation } from "../store/errors";
import type * as Rows from "../store/generated/client";
import type { PortRange, ReservedPorts } from "../store/listener-ports";
import { toService } from "../store/records";
import { alertSecretNeeds, applyAlerts, decideAlerts, fileAlertsOf, loadStoredAlerts, type AlertsDecision, type StoredAlerts } from "./alerts/alerts-file";
import { createExternalService } from "./discovery";
import { linksFor, NEW_LISTENER, type LinkHosts } from "./links";
import type { Rollouts } from "./rollouts";
import type { Topology } from "./topology";

export type ConfigDeps = {
  prisma: Prisma;
  feed: ChangeFeed;
  topology: Topology;
  rollouts: Rollouts;
  secrets: SecretBox;
  listenerPorts: PortRange;
  reservedPorts: ReservedPorts;
  /** The address instances reach dependency listeners at (their links). */
  linkHost: LinkHosts;
};

/** The desired topology as stored: live services (not being deleted) and their edges, by name. */
type StoreState = {
  rows: Map<string, Rows.Service>;
  stored: Map<string, StoredService>;
  /** caller → callees. */
  edges: Map<string, Map<string, Rows.Dependency>>;
  alerts: StoredAlerts;
};

async function loadState(db: Tx | Prisma): Promise<StoreState> {
  const rows = await db.service.findMany({ where: { deletedAt: null }, orderBy: { name: "asc" } });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const edges = new Map<string, Map<string, Rows.Dependency>>();
  for (const edge of await db.dependency.findMany()) {
    const [from, to] = [byId.get(edge.fromId), byId.get(edge.toId)];
    if (!from || !to) continue;
    if (!edges.has(from.name)) edges.set(from.name, new Map());
    edges.get(from.name)!.set(to.name, edge);
  }
  const stored = new Map(rows.map((row) => [row.name, storedOf(row)]));
  return { rows: new Map(rows.map((row) => [row.name, row])), stored, edges, alerts: await loadStoredAlerts(db) };
}

function storedOf(row: Rows.Service): StoredService {
  const service = toService(row);
  return {
    name: row.name,
    external: row.external,
    replicas: row.replicas,
    // As stored (secrets sealed): only their names are read here.
    template: instanceTemplate.parse(row.template),
    traffic: service.traffic,
    strategy: service.strategy,
    autoscale: service.autoscale,
    labels: service.labels,
    listenPort: row.listenPort,
    listenPortPinned: row.listenPortPinned,
    position: service.position,
    appliedSpec: row.appliedSpec,
  };
}

const calleesOf = (state: StoreState, name: string) => [...(state.edges.get(name)?.keys() ?? [])];

/** A callee's protocol once the file is applied: the file's, else the stored one. */
function protocolIn(config: ConfigFile, state: StoreState, callee: string): Protocol {
  const entry = config.services[callee] ?? config.external[callee];
  if (entry) return entry.traffic.protocol;
  const row = state.rows.get(callee);
  return row ? trafficSettings.parse(row.traffic).protocol : "http";
}

/** What an apply of a file will do, decided before anything is written (diff shows it; apply carries it out). */
type Decision = {
  parsed: ParsedConfig;
  services: ServiceConfigPlan[];
  dependencies: { added: DependencyEdge[]; removed: DependencyEdge[] };
  external: { added: string[]; removed: string[] };
  /** Per service in the file: env with secret references resolved (a value, or the placeholder that keeps the stored one). */
  env: Map<string, Record<string, string>>;
  missing: SecretNeed[];
  problems: ConfigProblem[];
  /** Undefined when the file has no `alerts` section. */
  alerts: AlertsDecision | undefined;
};

/** Where the file names a secret: a service's env variable, or an alert receiver's URL. */
const needPath = (need: SecretNeed) => (need.service === "alerts" ? `alerts.${need.variable}` : `services.${need.service}.env.${need.variable}`);

type SecretValues = { env: Record<string, string>; files: Record<string, string> };

/**
 * The stored entry with the count the file says when both are autoscaled: the autoscaler moves
 * `replicas`, and that is neither a change to apply nor drift (as an HPA's scale isn't for kubectl).
 */
const autoscaledCount = (stored: FileService, file: FileService | undefined): FileService => (stored.autoscale && file?.autoscale ? { ...stored, replicas: file.replicas } : stored);

export function createConfig({ prisma, feed, topology, rollouts, secrets, listenerPorts, reservedPorts, linkHost }: ConfigDeps) {
  /** The env an instance template gets: references resolved from what the applier sent, or kept when stored. */
  function resolveEnv(name: string, entry: FileService, row: Rows.Service | undefined, values: SecretValues, decision: Pick<Decision, "missing" | "problems" | "parsed">) {
    const stored = row && !row.external ? instanceTemplate.parse(row.template) : undefined;
    const env: Record<string, string> = {};
    for (const [variable, value] of Object.entries(entry.env)) {
      if (!isSecretRef(value)) {
        env[variable] = value;
        continue;
      }
      const supplied = "fromEnv" in value ? values.env[value.fromEnv] : values.files[value.fromFile];
      if (supplied !== undefined) env[variable] = supplied;
      else if (stored?.secretEnv.includes(variable) && Object.hasOwn(stored.env, variable)) env[variable] = SECRET_PLACEHOLDER;
      else {
        const source = "fromEnv" in value ? `the environment variable ${value.fromEnv}` : `the file ${value.fromFile}`;
        decision.missing.push({ service: name, variable, ref: value });
        decision.problems.push(decision.parsed.problemAt(["services", name, "env", variable], `${variable} is a secret Gantry doesn't have yet: apply needs ${source}`));
      }
    }
    return env;
  }

  /** Whether a supplied secret value differs from the stored one (compared in the clear, never shown). */
  function secretChanges(entry: FileService, row: Rows.Service, env: Record<string, string>): FieldChange[] {
    const stored = instanceTemplate.parse(row.template);
    return Object.keys(entry.env).flatMap((variable) => {
      const value = env[variable];
      if (!isSecretRef(entry.env[variable]!) || value === SECRET_PLACEHOLDER || !stored.secretEnv.includes(variable)) return [];
      const before = Object.hasOwn(stored.env, variable) ? stored.env[variable]! : undefined;
      let same = false;
      try {
        same = before !== undefined && secrets.open(before) === value;
      } catch {
        same = false;
      }
      return same ? [] : [{ path: `env.${variable}`, before: SECRET_PLACEHOLDER, after: SECRET_PLACEHOLDER }];
    });
  }

  /** The patch an edit from the dashboard would send to make `row` what the file says. */
  function patchFor(row: Rows.Service, entry: FileService | FileExternalService, env: Record<string, string> | undefined): ServiceUpdateInput["patch"] {
    const stored = toService(row);
    const traffic = { ...entry.traffic, weights: stored.traffic.weights };
    const common = { traffic, labels: entry.labels, ...(entry.listenPort !== undefined ? { listenPort: entry.listenPort } : {}) };
    if (!("runtime" in entry)) return common;
    const { replicas, strategy, autoscale, env: _env, dependsOn: _dependsOn, position: _position, traffic: _traffic, labels: _labels, listenPort: _listenPort, ...fields } = entry;
    const secretEnv = Object.entries(entry.env).flatMap(([variable, value]) => (isSecretRef(value) ? [variable] : []));
    // An autoscaled service's count is its autoscaler's: the file's `replicas` only starts a new one.
    return { ...common, ...(autoscale ? {} : { replicas }), strategy, autoscale, template: { ...fields, env: env ?? {}, secretEnv } };
  }

  /** The links `name` will have once its edges are what the file says (new listeners not chosen yet). */
  async function plannedLinks(state: StoreState, row: Rows.Service, dependsOn: readonly string[], protocolOf: (callee: string) => Protocol): Promise<Record<string, string>> {
    const current = await linksFor(prisma, row.id, linkHost);
    const links: Record<string, string> = {};
    for (const callee of dependsOn) {
      const envName = dependencyEnvName(callee, protocolOf(callee));
      links[envName] = state.edges.get(row.name)?.has(callee) && Object.hasOwn(current, envName) ? current[envName]! : NEW_LISTENER;
    }
    return links;
  }

  function decide(state: StoreState, raw: { yaml: string; prune: boolean; file: string; secrets: SecretValues }): Decision {
    const parsed = parseConfig(raw.yaml, { file: raw.file, known: raw.prune ? [] : state.rows.keys() });
    const { config } = parsed;
    const decision: Decision = { parsed, services: [], dependencies: { added: [], removed: [] }, external: { added: [], removed: [] }, env: new Map(), missing: [], problems: [], alerts: undefined };
    const inFile = (name: string) => Object.hasOwn(config.services, name) || Object.hasOwn(config.external, name);

    for (const [name, entry] of Object.entries(config.services)) {
      const row = state.rows.get(name);
      if (row?.external) decision.problems.push(parsed.problemAt(["services", name], `${name} is an external service (registered through the Consul agent API): list it under external`));
      decision.env.set(name, resolveEnv(name, entry, row, raw.secrets, decision));
      const callees = row ? calleesOf(state, name) : [];
      for (const callee of entry.dependsOn) if (!callees.includes(callee)) decision.dependencies.added.push({ from: name, to: callee });
      for (const callee of callees) if (!entry.dependsOn.includes(callee)) decision.dependencies.removed.push({ from: name, to: callee });
    }
    for (const name of Object.keys(config.external)) {
      const row = state.rows.get(name);
      if (row && !row.external) decision.problems.push(parsed.problemAt(["external", name], `${name} is run by Gantry: list it under services`));
      if (!row) decision.external.added.push(name);
    }
    if (config.alerts) {
      decision.alerts = decideAlerts(config.alerts, state.alerts, raw.secrets, raw.prune, secrets);
      decision.missing.push(...decision.alerts.missing);
      decision.problems.push(...decision.alerts.problems.map((p) => parsed.problemAt(p.path, p.message)));
    }
    if (raw.prune) {
      for (const [name, row] of state.rows) {
        if (inFile(name)) continue;
        decision.services.push({ name, kind: row.external ? "external" : "service", action: "deleted" });
        if (row.external) decision.external.removed.push(name);
        // Edges of a deleted service go with it.
        for (const callee of calleesOf(state, name)) decision.dependencies.removed.push({ from: name, to: callee });
        for (const [caller, callees] of state.edges) if (caller !== name && callees.has(name) && !inFile(caller)) decision.dependencies.removed.push({ from: caller, to: name });
      }
    }
    return decision;
  }

  /** Per service in the file: created, changed (with the field list and the rollout the engine would run) or unchanged. */
  async function describe(state: StoreState, decision: Decision, withRollouts: boolean, compareSecrets: boolean): Promise<ServiceConfigPlan[]> {
    const { config } = decision.parsed;
    const plans: ServiceConfigPlan[] = [];
    for (const [name, entry] of Object.entries(config.services)) {
      const row = state.rows.get(name);
      if (!row || row.external) {
        plans.push({ name, kind: "service", action: "created" });
        continue;
      }
      const current = autoscaledCount(fileServiceOf(state.stored.get(name)!, calleesOf(state, name), { positions: entry.position !== undefined }), entry);
      const env = decision.env.get(name)!;
      const changes = [...diffEntries(current, entry), ...(compareSecrets ? secretChanges(entry, row, env) : [])];
      if (changes.length === 0) {
        plans.push({ name, kind: "service", action: "unchanged" });
        continue;
      }
      const instancesChange = changes.some((c) => !/^(traffic|labels|listenPort|position|strategy)(\.|$)/.test(c.path));
      const rollout =
        withRollouts && instancesChange && decision.problems.length === 0
          ? await rollouts.planWithLinks({ id: row.id, version: row.version, patch: patchFor(row, entry, env) }, await plannedLinks(state, row, entry.dependsOn, (callee) => protocolIn(config, state, callee)))
          : null;
      plans.push({ name, kind: "service", action: "changed", changes, rollout });
    }
    for (const [name, entry] of Object.entries(config.external)) {
      const row = state.rows.get(name);
      if (!row || !row.external) {
        plans.push({ name, kind: "external", action: "created" });
        continue;
      }
      const changes = diffEntries(fileExternalOf(state.stored.get(name)!), entry);
      plans.push(changes.length === 0 ? { name, kind: "external", action: "unchanged" } : { name, kind: "external", action: "changed", changes, rollout: null });
    }
    return [...plans, ...decision.services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  const summaryOf = (decision: Decision, services: ServiceConfigPlan[]): ConfigDiff => ({
    services,
    dependencies: decision.dependencies,
    external: decision.external,
    alerts: decision.alerts?.plan ?? null,
    secrets: decision.missing,
  });

  /** The spec kept as last applied: the compact entry, without its canvas position (layout is not drift). */
  const appliedSpecOf = (entry: FileService | FileExternalService) =>
    "runtime" in entry ? compactService({ ...entry, position: undefined }) : compactExternal(entry);

  async function apply(tx: Tx, outer: Recorder, decision: Decision, prune: boolean): Promise<number> {
    let events = 0;
    const record: Recorder = { ...outer, event: async (event) => void (events++, await outer.event(event)) };
    const { config } = decision.parsed;
    const state = await loadState(tx);
    const { within } = topology;

    if (prune) for (const plan of decision.services) if (plan.action === "deleted") await within.deleteService(tx, record, state.rows.get(plan.name)!.id);

    const ids = new Map<string, string>();
    for (const [name, row] of state.rows) ids.set(name, row.id);
    for (const [name, entry] of Object.entries(config.external)) {
      const row = state.rows.get(name);
      if (!row) {
        const created = await createExternalService(tx, record, { listenerPorts, reservedPorts }, { name, labels: entry.labels, traffic: entry.traffic, listenPort: entry.listenPort });
        ids.set(name, created.id);
      } else {
        await within.updateService(tx, record, { id: row.id, version: row.version, patch: patchFor(row, entry, undefined) });
        if (entry.listenPort === undefined) await within.unpinListenPort(tx, row.id);
      }
    }

    const created: string[] = [];
    for (const [name, entry] of Object.entries(config.services)) {
      if (state.rows.has(name)) continue;
      const { replicas, strategy, autoscale, traffic, labels, listenPort, position, dependsOn: _dependsOn, env: _env, ...fields } = entry;
      const secretEnv = Object.entries(entry.env).flatMap(([variable, value]) => (isSecretRef(value) ? [variable] : []));
      const service = await within.createService(tx, record, {
        name,
        replicas,
        strategy,
        autoscale,
        traffic,
        labels,
        listenPort,
        position,
        template: { ...fields, env: decision.env.get(name)!, secretEnv },
      });
      ids.set(name, service.id);
      created.push(name);
    }

    const relinked = new Set<string>();
    for (const edge of decision.dependencies.removed) {
      const dependency = state.edges.get(edge.from)?.get(edge.to);
      // Edges of pruned services went with them.
      if (!dependency || !(await tx.dependency.findUnique({ where: { id: dependency.id } }))) continue;
      await within.deleteDependency(tx, record, { id: dependency.id, rollout: false });
      relinked.add(edge.from);
    }
    for (const edge of decision.dependencies.added) {
      await within.createDependency(tx, record, { fromId: ids.get(edge.from)!, toId: ids.get(edge.to)!, rollout: false });
      relinked.add(edge.from);
    }

    for (const [name, entry] of Object.entries(config.services)) {
      const id = ids.get(name)!;
      if (created.includes(name)) {
        await within.settleNewServiceLinks(tx, record, id);
        continue;
      }
      // Re-read: the version the update checks is the one in this transaction.
      const row = (await tx.service.findUnique({ where: { id } }))!;
      await within.updateService(tx, record, { id, version: row.version, patch: patchFor(row, entry, decision.env.get(name)) });
      if (entry.listenPort === undefined) await within.unpinListenPort(tx, id);
      if (relinked.has(name)) await within.relink(tx, record, id);
    }

    const positioned = Object.entries(config.services).filter(([, entry]) => entry.position !== undefined);
    for (const [name, entry] of positioned) {
      const row = (await tx.service.findUnique({ where: { id: ids.get(name)! } }))!;
      if (row.positionX === entry.position!.x && row.positionY === entry.position!.y) continue;
      const service = toService(await tx.service.update({ where: { id: row.id }, data: { positionX: entry.position!.x, positionY: entry.position!.y } }));
      record.topology({ kind: "service.upserted", service });
    }

    for (const [name, entry] of [...Object.entries(config.services), ...Object.entries(config.external)]) {
      const spec = appliedSpecOf(entry);
      const row = (await tx.service.findUnique({ where: { id: ids.get(name)! }, select: { appliedSpec: true } }))!;
      if (!isDeepStrictEqual(row.appliedSpec, spec)) await tx.service.update({ where: { id: ids.get(name)! }, data: { appliedSpec: spec } });
    }
    if (config.alerts && decision.alerts) await applyAlerts(tx, record, config.alerts, decision.alerts, secrets);
    return events;
  }

  function refuse(decision: Decision): void {
    if (decision.problems.length > 0) throw new ConfigError(decision.problems);
  }

  return {
    /**
     * What applying the file would do, without doing it. Missing secrets are listed, not refused.
     * Supplied secret values are compared with the stored ones only for callers who may apply
     * (`compareSecrets`): for anyone else the answer would be an oracle for guessing them.
     */
    async diff(raw: ConfigApplyInput, { compareSecrets }: { compareSecrets: boolean }): Promise<ConfigDiff> {
      const input = configApplyInput.parse(raw);
      const state = await loadState(prisma);
      const decision = decide(state, input);
      const problems = decision.problems.filter((p) => !decision.missing.some((m) => p.path === needPath(m)));
      if (problems.length > 0) throw new ConfigError(problems);
      return summaryOf(decision, await describe(state, decision, true, compareSecrets));
    },

    /**
     * Makes the store what the file says, in one transaction: all of it or none of it. Rollouts
     * begin as they would for the same edits made in the dashboard; a file that changes nothing
     * writes nothing (no revision, no event).
     */
    async apply(raw: ConfigApplyInput, actor: EventActor): Promise<ConfigApplyResult> {
      const input = configApplyInput.parse(raw);
      try {
        return await auditedTransaction(prisma, feed, actor, async (tx, record) => {
          const state = await loadState(tx);
          const decision = decide(state, input);
          refuse(decision);
          const summary = summaryOf(decision, await describe(state, decision, false, true));
          const events = await apply(tx, record, decision, input.prune);
          if (events > 0) {
            const count = (action: string) => summary.services.filter((s) => s.action === action).length;
            await record.event({
              kind: "config.applied",
              message: `applied ${input.file}: ${count("created")} created, ${count("changed")} changed, ${count("deleted")} deleted, ${count("unchanged")} unchanged`,
              data: { file: input.file, prune: input.prune },
            });
          }
          return { ...summary, changed: events > 0 };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError("CONFLICT", "someone else changed the same services meanwhile; nothing was applied — run it again");
        throw err;
      }
    },

    /** The topology (or the services named) as a gantry.yaml, and the secrets an apply of it will need; alert rules and receivers when asked for. */
    async export(raw: ConfigExportInput = {}): Promise<ConfigExport> {
      const input = configExportInput.parse(raw);
      const state = await loadState(prisma);
      const wanted = input.services ?? [...state.rows.keys()];
      const unknown = wanted.filter((name) => !state.rows.has(name));
      if (unknown.length > 0) throw new AppError("NOT_FOUND", `no service named ${unknown.join(", ")}`, "services");
      const services: Record<string, FileService> = {};
      const external: Record<string, FileExternalService> = {};
      for (const name of wanted) {
        const stored = state.stored.get(name)!;
        if (stored.external) external[name] = fileExternalOf(stored);
        else services[name] = fileServiceOf(stored, calleesOf(state, name), { positions: input.positions });
      }
      const alerts = input.alerts ? fileAlertsOf(state.alerts, secrets) : undefined;
      return {
        yaml: renderConfig(services, external, alerts),
        secrets: [...Object.entries(services).flatMap(([name, entry]) => secretNeeds(name, entry)), ...(alerts ? alertSecretNeeds(alerts) : [])],
      };
    },

    /** Per service ever applied from a file: whether it changed since (canvas, API), and how. */
    async drift(): Promise<ServiceDrift[]> {
      const state = await loadState(prisma);
      return [...state.stored.values()].map((stored) => {
        if (stored.appliedSpec === null || stored.appliedSpec === undefined) return { name: stored.name, applied: false, changedSinceApply: false, changes: [] };
        const schema = stored.external ? fileExternalService : fileServiceFields;
        const applied = schema.safeParse(stored.appliedSpec);
        const now = stored.external ? fileExternalOf(stored) : autoscaledCount(fileServiceOf(stored, calleesOf(state, stored.name)), applied.data as FileService);
        const changes = applied.success ? diffEntries(applied.data, now) : [{ path: "", before: null, after: null }];
        return { name: stored.name, applied: true, changedSinceApply: changes.length > 0, changes };
      });
    },
  };
}

export type Config = ReturnType<typeof createConfig>;
