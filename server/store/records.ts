import { z } from "zod";
import { autoscaleSettings } from "../contracts/autoscale";
import { grant, roles, serviceLabels, type ApiToken, type Role, type User } from "../contracts/access";
import type { EventActor, GantryEvent } from "../contracts/event";
import { activeStatuses, holdingStatuses, rolloutStrategy, type ClusterRolloutStatus, type Rollout, type RolloutCause, type RolloutStatus } from "../contracts/rollout";
import type { TrackedRollout } from "../engine/types";
import { instanceTemplate, type Dependency, type Service } from "../contracts/service";
import { trafficSettings } from "../contracts/traffic";
import type * as Rows from "./generated/client";
import { redactSecrets } from "./secret-env";

/** Row → contract. Templates are re-parsed so rows written by older versions gain new defaults. */
export function toService(row: Rows.Service): Service {
  return {
    id: row.id,
    external: row.external,
    deleting: row.deletedAt !== null,
    name: row.name,
    version: row.version,
    replicas: row.replicas,
    revision: row.revision,
    // Clients never see secret values (the engine reads them through the engine store).
    template: redactSecrets(instanceTemplate.parse(row.template)),
    traffic: trafficSettings.parse(row.traffic),
    strategy: rolloutStrategy.parse(row.strategy),
    labels: storedLabels.parse(row.labels),
    listenPort: row.listenPort,
    autoscale: row.autoscale === null ? null : autoscaleSettings.parse(row.autoscale),
    autoscalePausedAt: row.autoscalePausedAt?.toISOString() ?? null,
    position: row.positionX === null || row.positionY === null ? null : { x: row.positionX, y: row.positionY },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toDependency(row: Rows.Dependency): Dependency {
  return { id: row.id, fromId: row.fromId, toId: row.toId, port: row.port, createdAt: row.createdAt.toISOString() };
}

export function toEvent(row: Rows.Event): GantryEvent {
  return {
    id: row.id.toString(),
    at: row.at.toISOString(),
    kind: row.kind,
    actor: row.actor as EventActor,
    serviceId: row.serviceId,
    serviceName: row.serviceName,
    instanceId: row.instanceId,
    message: row.message,
    data: (row.data as Record<string, unknown> | null) ?? null,
  };
}

export function toRollout(row: Rows.Rollout): Rollout {
  return {
    id: row.id,
    serviceId: row.serviceId,
    fromRevision: row.fromRevision,
    toRevision: row.toRevision,
    cause: row.cause as RolloutCause,
    status: row.status as RolloutStatus,
    message: row.message,
    replicas: row.replicas,
    updated: row.updated,
    remaining: row.remaining,
    cluster: (row.cluster as ClusterRolloutStatus | null) ?? null,
    startedAt: row.startedAt.toISOString(),
    progressAt: row.progressAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/**
 * What the engine tracks of a service's newest rollout: only while its revision is the wanted
 * one, and only while it moves (progressing) or holds (paused, failed) the service.
 */
export function toTrackedRollout(newest: Rows.Rollout | null | undefined, revision: number): TrackedRollout | null {
  const status = newest?.status as RolloutStatus | undefined;
  if (!newest || newest.toRevision !== revision || !(activeStatuses.includes(status!) || holdingStatuses.includes(status!))) return null;
  return { ...toRollout(newest), status: status as TrackedRollout["status"], progressAt: newest.progressAt.getTime() };
}

export function toUser(row: Rows.User): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: storedRole(row.role),
    grants: storedGrants.parse(row.grants),
    source: row.oidcSubject ? "oidc" : "password",
    disabled: row.disabled,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A role or grant list edited by hand into something unreadable grants the least, rather than stopping every request. */
export const storedGrants = z.array(grant).catch([]);
const storedLabels = serviceLabels.catch({});
export const storedRole = (role: string): Role => (roles.includes(role as Role) ? (role as Role) : "viewer");

export function toApiToken(row: Rows.ApiToken & { user: { username: string } }): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: storedRole(row.role),
    userId: row.userId,
    username: row.user.username,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
