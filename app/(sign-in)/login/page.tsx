"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { SignInForm } from "@/components/access/sign-in-form";
import { safeNext } from "@/server/contracts/access";

function Login() {
  const params = useSearchParams();
  const router = useRouter();
  const target = safeNext(params.get("next"));
  return (
    <>
      <h1 className="mb-4 text-xl font-semibold">Sign in</h1>
      <SignInForm next={target} initialError={params.get("error") ?? undefined} onSignedIn={() => router.replace(target)} />
    </>
  );
}

export default function LoginPage() {
  return (
    <Suspense>
      <Login />
    </Suspense>
  );
}
