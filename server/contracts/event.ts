import { z } from "zod";

export type EventActor = "api" | "engine" | "system";

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

export const eventListInput = z.object({
  serviceId: z.string().uuid().optional(),
  /** Only events older than this id (cursor for "load more"). */
  before: z.string().regex(/^\d+$/).optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export type EventListInput = z.input<typeof eventListInput>;
