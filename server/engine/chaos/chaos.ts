import { describeFault, injectInput, type FaultTarget, type InjectInput, type Injection } from "../../contracts/chaos";
import type { Clock, Timer } from "../../lib/clock";
import { AppError, notFound } from "../../lib/app-error";
import { newId } from "../../lib/ids";
import type { FaultConfig } from "../proxy/faults";
import type { EngineEvent } from "../types";

type Names = { services: Map<string, string>; edges: Map<string, { from: string; to: string; toId: string }> };

export type ChaosOptions = {
  clock: Clock;
  /** Current names of services and edges (the traffic controller's). */
  names(): Names;
  /** The faults changed: the data plane should get them. */
  changed(): void;
  event(event: EngineEvent): void;
};

type Active = Injection & { timer: Timer; listener: string; serviceName: string; wallUntil: number };

/**
 * Faults operators inject into traffic, kept in memory only: a restarted Gantry has none (the data
 * plane, which times each one itself, drops them with the first configuration it gets). One fault
 * per listener at a time; each ends by itself when its time is up, or when reverted. Every
 * injection, revert and expiry is an event.
 */
export class Chaos {
  private readonly active = new Map<string, Active>();

  constructor(private readonly options: ChaosOptions) {}

  list(): Injection[] {
    return [...this.active.values()].map(({ id, target, label, serviceId, fault, startedAt, until, actor }) => ({ id, target, label, serviceId, fault, startedAt, until, actor }));
  }

  /** For the data plane: each fault with its listener and its end on the wall clock (the data plane's, whatever Gantry's clock is). */
  faultConfigs(): FaultConfig[] {
    return [...this.active.values()].map((a) => ({ id: a.id, listener: a.listener, fault: a.fault, until: a.wallUntil }));
  }

  inject(raw: InjectInput, actor: string): Injection {
    const { target, fault, durationSeconds } = injectInput.parse(raw);
    const { label, serviceId, serviceName, listener } = this.resolve(target);
    const taken = [...this.active.values()].find((a) => a.listener === listener);
    if (taken) throw new AppError("CONFLICT", `${label} already has a fault injected (${describeFault(taken.fault)}): revert it first`);
    const now = this.options.clock.now();
    const id = newId();
    const injection: Active = {
      id,
      target,
      label,
      serviceId,
      fault,
      startedAt: new Date(now).toISOString(),
      until: new Date(now + durationSeconds * 1000).toISOString(),
      actor,
      listener,
      serviceName,
      wallUntil: Date.now() + durationSeconds * 1000,
      timer: this.options.clock.setTimeout(() => this.end(id, "expired", "engine"), durationSeconds * 1000),
    };
    this.active.set(id, injection);
    this.record(injection, "chaos.injected", `injected a fault on ${label}: ${describeFault(fault)}, for ${durationSeconds} s`, actor);
    this.options.changed();
    return this.list().find((i) => i.id === id)!;
  }

  revert(id: string, actor: string): void {
    if (!this.active.has(id)) throw notFound(`injected fault ${id} (it may have ended already)`);
    this.end(id, "reverted", actor);
  }

  private end(id: string, how: "expired" | "reverted", actor: string): void {
    const injection = this.active.get(id);
    if (!injection) return;
    this.options.clock.clearTimeout(injection.timer);
    this.active.delete(id);
    const message = how === "expired" ? `the fault on ${injection.label} ended after its time (${describeFault(injection.fault)})` : `reverted the fault on ${injection.label} (${describeFault(injection.fault)})`;
    this.record(injection, `chaos.${how}`, message, actor);
    this.options.changed();
  }

  private resolve(target: FaultTarget): { label: string; serviceId: string; serviceName: string; listener: string } {
    const names = this.options.names();
    if (target.kind === "service") {
      const name = names.services.get(target.serviceId);
      if (!name) throw notFound(`service ${target.serviceId}`);
      return { label: name, serviceId: target.serviceId, serviceName: name, listener: `service:${target.serviceId}` };
    }
    const edge = names.edges.get(target.edgeId);
    if (!edge) throw notFound(`dependency ${target.edgeId}`);
    return { label: `${edge.from} → ${edge.to}`, serviceId: edge.toId, serviceName: edge.to, listener: `edge:${target.edgeId}` };
  }

  private record(injection: Active, kind: string, message: string, actor: string): void {
    this.options.event({ kind, message, actor, serviceId: injection.serviceId, serviceName: injection.serviceName, data: { fault: injection.fault.kind, percent: injection.fault.percent, until: injection.until } });
  }
}
