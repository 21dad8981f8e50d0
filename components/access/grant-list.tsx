import type { Grant } from "@/server/contracts/access";
import { describeGrant } from "./grants";

/** Grants one a line ("editor on team=payments"), or a quiet "none". */
export function GrantList({ grants }: { grants: readonly Grant[] }) {
  if (grants.length === 0) return <span className="text-zinc-400 dark:text-zinc-500">none</span>;
  return (
    <ul>
      {grants.map((grant, index) => (
        <li key={index}>{describeGrant(grant)}</li>
      ))}
    </ul>
  );
}
