"use client";

import { useQuery } from "@tanstack/react-query";
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { atLeast, highestRole, roleOn, type Labels, type Me, type Role } from "@/server/contracts/access";
import { useTRPC } from "../trpc";

export type Access = {
  me: Me | undefined;
  /** Whether the caller holds `role` (globally, or on a service with these labels). Unknown yet counts as no. */
  can(role: Role, labels?: Labels): boolean;
  /** Holds `role` somewhere: globally or through a label grant (e.g. may create services carrying that label). */
  canSomewhere(role: Role): boolean;
  /** The tooltip of a control the caller may not use. */
  needs(role: Role): string;
};

const AccessContext = createContext<Access | undefined>(undefined);

export function AccessProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const { data: me } = useQuery({ ...trpc.account.me.queryOptions(), staleTime: 60_000 });
  const access = useMemo<Access>(
    () => ({
      me,
      can: (role, labels) => (me ? atLeast(labels ? roleOn(me.role, me.grants, labels) : me.role, role) : false),
      canSomewhere: (role) => (me ? atLeast(highestRole(me.role, me.grants), role) : false),
      needs: (role) => `Needs the ${role} role${me ? ` (you are ${me.role})` : ""}`,
    }),
    [me],
  );
  return <AccessContext.Provider value={access}>{children}</AccessContext.Provider>;
}

/** The caller's role, for disabling what they may not do (the server refuses it anyway). */
export function useAccess(): Access {
  const access = useContext(AccessContext);
  if (!access) throw new Error("useAccess needs an AccessProvider above it");
  return access;
}

/** Whether the caller may use a control needing `role` (on a service with these labels), and the tooltip saying why not. */
export function usePermit(role: Role, labels?: Labels): { allowed: boolean; title: string | undefined } {
  const { can, needs } = useAccess();
  const allowed = can(role, labels);
  return { allowed, title: allowed ? undefined : needs(role) };
}

/** Instance logs need GANTRY_LOG_ROLE (viewer unless raised). */
export function useLogPermit(labels: Labels) {
  const { me } = useAccess();
  return usePermit(me?.logRole ?? "viewer", labels);
}
