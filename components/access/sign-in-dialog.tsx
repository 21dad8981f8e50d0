"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { realtime } from "../realtime/connection";
import { Modal } from "../shell/modal";
import { onSessionLost, sessionRegained } from "./session-state";
import { SignInForm } from "./sign-in-form";

/**
 * Shown over the page when the session ends mid-work: signing in here keeps whatever is open (a
 * half-edited form included); then everything is fetched again and live updates resume.
 */
export function SignInDialog() {
  const [reason, setReason] = useState<string>();
  const queryClient = useQueryClient();
  useEffect(() => onSessionLost((why) => setReason((current) => current ?? why)), []);
  if (!reason) return null;
  return (
    <Modal label="Sign in again" onClose={() => {}} closeKeys={[]}>
      <h2 className="mb-1 text-lg font-semibold">Sign in again</h2>
      <p className="mb-4 text-sm text-zinc-500">{reason} Nothing on this page is lost.</p>
      <SignInForm
        next={typeof location === "undefined" ? "/" : location.pathname + location.search}
        onSignedIn={() => {
          sessionRegained();
          setReason(undefined);
          realtime().reconnect();
          void queryClient.invalidateQueries();
        }}
      />
    </Modal>
  );
}
