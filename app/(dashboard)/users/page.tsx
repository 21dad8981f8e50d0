"use client";

import { useAccess } from "@/components/access/access-context";
import { PageHeader } from "@/components/page-header";
import { StatusMessage } from "@/components/status-message";
import { UserManager, usersDescription, usersTitle } from "@/components/users/user-manager";

export default function UsersPage() {
  const { me, can } = useAccess();
  if (me && can("admin")) return <UserManager selfId={me.userId} />;
  return (
    <>
      <PageHeader title={usersTitle} description={usersDescription} />
      <StatusMessage>{me ? "Only admins manage users." : "Loading…"}</StatusMessage>
    </>
  );
}
