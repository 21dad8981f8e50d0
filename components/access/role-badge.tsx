import { roleDescriptions, type Role } from "@/server/contracts/access";

const tone: Record<Role, string> = {
  viewer: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
  operator: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300",
  editor: "bg-violet-100 text-violet-800 dark:bg-violet-950 dark:text-violet-300",
  admin: "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300",
};

/** A role as a small chip; the tooltip says what it may do. */
export function RoleBadge({ role }: { role: Role }) {
  return (
    <span title={roleDescriptions[role]} className={`inline-block rounded px-1.5 py-0.5 text-xs font-medium ${tone[role]}`}>
      {role}
    </span>
  );
}
