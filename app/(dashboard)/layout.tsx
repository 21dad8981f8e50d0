import type { ReactNode } from "react";
import { AccessProvider } from "@/components/access/access-context";
import { SignInDialog } from "@/components/access/sign-in-dialog";
import { AlertTitle } from "@/components/alerts/alert-title";
import { ChaosBanner } from "@/components/chaos/chaos-banner";
import { Nav } from "@/components/nav";
import { TimeTravelProvider } from "@/components/time-travel/time-travel-context";

/** Every page behind sign-in: the nav, the moment viewed (live or past), the caller's role for the controls, sign-in again when a session ends, and firing alerts in the tab's title. */
export default function DashboardLayout({ children }: { children: ReactNode }) {
  return (
    <AccessProvider>
      <TimeTravelProvider>
        <div className="min-h-screen md:flex">
          <Nav />
          <main className="min-w-0 flex-1 px-4 py-4 md:px-8 md:py-6">
            <ChaosBanner />
            {children}
          </main>
        </div>
      </TimeTravelProvider>
      <SignInDialog />
      <AlertTitle />
    </AccessProvider>
  );
}
