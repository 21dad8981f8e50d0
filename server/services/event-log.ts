import { eventListInput, type EventListInput, type GantryEvent } from "../contracts/event";
import type { Prisma } from "../store/database";
import { toEvent } from "../store/records";

/** Newest first, paged by id. */
export async function listEvents(prisma: Prisma, raw: EventListInput = {}): Promise<GantryEvent[]> {
  const input = eventListInput.parse(raw);
  const rows = await prisma.event.findMany({
    where: {
      ...(input.serviceId ? { serviceId: input.serviceId } : {}),
      ...(input.kind ? { OR: [{ kind: input.kind }, { kind: { startsWith: `${input.kind}.` } }] } : {}),
      ...(input.before ? { id: { lt: BigInt(input.before) } } : {}),
      AND: [
        ...(input.actor ? [{ OR: [{ actor: input.actor }, ...tokensOf(input.actor)] }] : []),
        ...(input.text ? [{ OR: (["message", "kind", "actor", "serviceName"] as const).map((field) => ({ [field]: { contains: input.text, mode: "insensitive" as const } })) }] : []),
      ],
    },
    orderBy: { id: "desc" },
    take: input.limit,
  });
  return rows.map(toEvent);
}

/** `user:<name>` also covers what that user's tokens did (see matchesActor). */
function tokensOf(actor: string) {
  const user = /^user:(.+)$/.exec(actor)?.[1];
  return user ? [{ actor: { startsWith: `token:${user}/` } }] : [];
}
