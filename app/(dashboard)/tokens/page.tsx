"use client";

import { useAccess } from "@/components/access/access-context";
import { PageHeader } from "@/components/page-header";
import { StatusMessage } from "@/components/status-message";
import { TokenManager, tokensDescription, tokensTitle } from "@/components/tokens/token-manager";

export default function TokensPage() {
  const { me } = useAccess();
  if (me) return <TokenManager me={me} />;
  return (
    <>
      <PageHeader title={tokensTitle} description={tokensDescription} />
      <StatusMessage>Loading…</StatusMessage>
    </>
  );
}
