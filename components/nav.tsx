"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useAccess } from "./access/access-context";
import { UserMenu } from "./access/user-menu";
import { useConnectionStatus } from "./realtime/hooks";
import { useShortcut } from "./shell/shortcuts";
import { ThemeToggle } from "./shell/theme-toggle";

const links = [
  { href: "/overview", label: "Overview", key: "o" },
  { href: "/topology", label: "Topology", key: "t" },
  { href: "/services", label: "Services", key: "s" },
  { href: "/events", label: "Events", key: "e" },
  { href: "/tokens", label: "API tokens", key: "k" },
];
const adminLinks = [{ href: "/users", label: "Users", key: "u" }];

function NavShortcut({ href, label, keyName }: { href: string; label: string; keyName: string }) {
  const router = useRouter();
  useShortcut(`g ${keyName}`, `Go to ${label}`, () => router.push(href));
  return null;
}

const statusStyle = {
  live: "bg-emerald-500",
  connecting: "bg-amber-400 animate-pulse",
  offline: "bg-red-500",
} as const;

export function Nav() {
  const pathname = usePathname();
  const status = useConnectionStatus();
  const { can } = useAccess();
  const visible = can("admin") ? [...links, ...adminLinks] : links;
  return (
    <nav className="flex w-52 shrink-0 flex-col border-r border-zinc-200 bg-white px-3 py-5 dark:border-zinc-800 dark:bg-zinc-900">
      <Link href="/" className="mb-6 flex items-center gap-2 px-2 text-lg font-semibold tracking-tight">
        <span className="inline-block h-5 w-5 rounded bg-gradient-to-br from-sky-500 to-indigo-600" aria-hidden />
        Gantry
      </Link>
      {visible.map((link) => (
        <NavShortcut key={link.href} href={link.href} label={link.label} keyName={link.key} />
      ))}
      <ul className="space-y-1">
        {visible.map((link) => {
          const active = pathname === link.href || pathname.startsWith(`${link.href}/`);
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={active ? "page" : undefined}
                className={`block rounded-md px-2 py-1.5 text-sm ${
                  active
                    ? "bg-zinc-100 font-medium text-zinc-900 dark:bg-zinc-800 dark:text-white"
                    : "text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800/60 dark:hover:text-white"
                }`}
              >
                {link.label}
              </Link>
            </li>
          );
        })}
      </ul>
      <div className="mt-auto space-y-2">
        <UserMenu />
        <ThemeToggle />
        <p className="px-2 text-xs text-zinc-500">
          Press <kbd className="rounded border border-zinc-300 px-1 font-mono dark:border-zinc-700">?</kbd> for shortcuts
        </p>
        <div className="flex items-center gap-2 px-2 text-xs text-zinc-500" title="Live updates from Gantry">
          <span className={`h-2 w-2 rounded-full ${statusStyle[status]}`} aria-hidden />
          <span data-testid="connection-status">{status}</span>
        </div>
      </div>
    </nav>
  );
}
