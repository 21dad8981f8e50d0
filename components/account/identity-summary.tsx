import Link from "next/link";
import type { ReactNode } from "react";
import { roleDescriptions, type Me } from "@/server/contracts/access";
import { GrantList } from "../access/grant-list";
import { RoleBadge } from "../access/role-badge";
import { cardClass } from "../page-section";

const how: Record<Me["kind"], string> = {
  user: "a session in this browser",
  token: "an API token",
  bootstrap: "the bootstrap token (GANTRY_BOOTSTRAP_TOKEN)",
};

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[9rem_1fr] gap-3 px-5 py-2.5">
      <dt className="text-zinc-500">{term}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}

/** Who the dashboard is acting as: name, role (with what it may do), grants, and how they proved it. */
export function IdentitySummary({ me }: { me: Me }) {
  return (
    <dl className={`divide-y divide-zinc-100 text-sm dark:divide-zinc-800/60 ${cardClass}`}>
      <Row term="Username">
        <span className="font-medium" data-testid="account-username">
          {me.username}
        </span>
        {me.displayName && <span className="ml-2 text-zinc-500">({me.displayName})</span>}
      </Row>
      <Row term="Role">
        <RoleBadge role={me.role} />
        <span className="ml-2 text-zinc-500">{roleDescriptions[me.role]}</span>
      </Row>
      <Row term="Grants">
        <GrantList grants={me.grants} />
      </Row>
      <Row term="Signed in through">
        {how[me.kind]}
        <Link href="/tokens" className="ml-3 text-sky-600 hover:underline">
          Manage API tokens
        </Link>
      </Row>
    </dl>
  );
}
