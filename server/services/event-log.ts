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
      ...(input.actor ? { AND: [{ OR: actorFilter(input.actor) }] } : {}),
    },
    orderBy: { id: "desc" },
    take: input.limit,
  });
  return rows.map(toEvent);
}

/** A user's own actions and those of every token acting for them. */
function actorFilter(actor: string) {
  const user = /^user:(.+)$/.exec(actor)?.[1];
  return user ? [{ actor }, { actor: { startsWith: `token:${user}/` } }] : [{ actor }];
}
