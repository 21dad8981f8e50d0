import { z } from "zod";

/**
 * Who did it: `user:<name>`, `token:<owner>/<token name>`, `bootstrap` (GANTRY_BOOTSTRAP_TOKEN),
 * `engine` or `system`. Events from before sign-in existed say `api`.
 */
export type EventActor = string;

/** One row of the audit/engine event log, as every client sees it. */
export type GantryEvent = {
  id: string;
  at: string;
  kind: string;
  actor: EventActor;
  serviceId: string | null;
  serviceName: string | null;
  instanceId: string | null;
  message: string;
  data: Record<string, unknown> | null;
};

/** What events are about: the part of `kind` before the dot. */
export const eventKindGroups = ["service", "rollout", "dependency", "instance", "listener", "registration", "user", "token", "chaos", "system"] as const;

/** Does `event` match a kind filter: a group (`instance`) or an exact kind (`instance.unready`)? */
export const matchesKind = (kind: string, filter: string | undefined) => !filter || kind === filter || kind.startsWith(`${filter}.`);

/** Does `actor` match an actor filter: exactly, or — for `user:<name>` — as one of that user's tokens? */
export function matchesActor(actor: string, filter: string | undefined): boolean {
  if (!filter || actor === filter) return true;
  const user = /^user:(.+)$/.exec(filter)?.[1];
  return user !== undefined && actor.startsWith(`token:${user}/`);
}

/** Does an event match a text search: the text in its message, kind, actor or service name? */
export function matchesText(event: Pick<GantryEvent, "message" | "kind" | "actor" | "serviceName">, text: string | undefined): boolean {
  if (!text) return true;
  const needle = text.toLowerCase();
  return [event.message, event.kind, event.actor, event.serviceName ?? ""].some((field) => field.toLowerCase().includes(needle));
}

export const eventListInput = z.object({
  serviceId: z.string().uuid().optional(),
  /** A group (`instance`) or an exact kind (`instance.unready`). */
  kind: z.string().regex(/^[a-z]+(\.[a-z-]+)?$/, "kind is a group like instance or a kind like instance.unready").optional(),
  /** Words in the message, kind, actor or service name (case-insensitive). */
  text: z.string().trim().min(1).max(200).optional(),
  /** Who did it: an exact actor (`token:ana/ci`), or `user:<name>` for that user and every token acting for them. */
  actor: z.string().trim().min(1).max(200).optional(),
  /** Only events older than this id (cursor for "load more"). */
  before: z
    .string()
    .regex(/^\d{1,19}$/, "before is an event id")
    .refine((id) => BigInt(id) <= 9_223_372_036_854_775_807n, "before is an event id")
    .optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export type EventListInput = z.input<typeof eventListInput>;
