"use client";

import { useAccess } from "@/components/access/access-context";
import { IdentitySummary } from "@/components/account/identity-summary";
import { PasswordChangeForm } from "@/components/account/password-change-form";
import { SessionTable } from "@/components/account/session-table";
import { SignOutEverywhereButton } from "@/components/account/sign-out-everywhere-button";
import { PageHeader } from "@/components/page-header";
import { PageSection } from "@/components/page-section";
import { StatusMessage } from "@/components/status-message";

export default function AccountPage() {
  const { me } = useAccess();
  return (
    <>
      <PageHeader title="Account" description="Who you are here, where you're signed in, and your password." />
      {!me ? (
        <StatusMessage>Loading…</StatusMessage>
      ) : (
        <div className="space-y-8">
          <PageSection title="Who you are">
            <IdentitySummary me={me} />
          </PageSection>
          {me.kind === "user" ? (
            <>
              <PageSection title="Sessions" description="Browsers signed in as you. End any you don't recognise." actions={<SignOutEverywhereButton />}>
                <SessionTable />
              </PageSection>
              {me.sso ? (
                <StatusMessage>You sign in through single sign-on: your password and role live with that provider.</StatusMessage>
              ) : (
                <PageSection title="Password" description="Changing it ends your other sessions.">
                  <PasswordChangeForm />
                </PageSection>
              )}
            </>
          ) : (
            <StatusMessage>
              Sessions and passwords belong to signed-in users; you&apos;re using {me.kind === "token" ? "an API token" : "the bootstrap token"}.
            </StatusMessage>
          )}
        </div>
      )}
    </>
  );
}
