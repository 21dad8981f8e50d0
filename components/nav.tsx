"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
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
  { href: "/nodes", label: "Nodes", key: "n" },
  { href: "/alerts", label: "Alerts", key: "a" },
  { href: "/integrations", label: "Integrations", key: "i" },
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

function Brand({ className = "" }: { className?: string }) {
  return (
    <Link href="/" className={`items-center gap-2 px-2 text-lg font-semibold tracking-tight ${className}`}>
      <span className="inline-block h-5 w-5 rounded bg-gradient-to-br from-sky-500 to-indigo-600" aria-hidden />
      Gantry
    </Link>
  );
}

/** On a phone: a bar across the top with the name, whether updates are live, and the menu button. */
function PhoneBar({ menuOpen, onToggleMenu }: { menuOpen: boolean; onToggleMenu(): void }) {
  const status = useConnectionStatus();
  return (
    <header className="sticky top-0 z-40 flex h-12 items-center gap-3 border-b border-zinc-200 bg-white px-2 md:hidden dark:border-zinc-800 dark:bg-zinc-900">
      <Brand className="flex" />
      <span role="img" className={`h-2 w-2 rounded-full ${statusStyle[status]}`} aria-label={`Live updates: ${status}`} title={`Live updates: ${status}`} />
      <button
        type="button"
        aria-expanded={menuOpen}
        aria-controls="main-nav"
        onClick={onToggleMenu}
        className="ml-auto flex h-9 items-center gap-2 rounded-md border border-zinc-300 px-3 text-sm font-medium dark:border-zinc-700"
      >
        <span aria-hidden>{menuOpen ? "✕" : "☰"}</span>
        Menu
      </button>
    </header>
  );
}

/**
 * The pages, who is signed in and the theme: a side bar from tablet width up; on a phone, folded
 * behind the top bar's Menu button and laid over the page when opened.
 */
export function Nav() {
  const pathname = usePathname();
  const status = useConnectionStatus();
  const { can } = useAccess();
  const visible = can("admin") ? [...links, ...adminLinks] : links;
  // The page the phone menu was opened on: going anywhere (a link here, the account link, a
  // shortcut) closes it.
  const [menuOpenOn, setMenuOpenOn] = useState<string>();
  const menuOpen = menuOpenOn === pathname;
  return (
    <>
      <PhoneBar menuOpen={menuOpen} onToggleMenu={() => setMenuOpenOn(menuOpen ? undefined : pathname)} />
      {menuOpen && <div className="fixed inset-x-0 bottom-0 top-12 z-30 bg-black/30 md:hidden" onClick={() => setMenuOpenOn(undefined)} aria-hidden />}
      <nav
        id="main-nav"
        aria-label="Main"
        className={`${menuOpen ? "fixed bottom-0 left-0 top-12 z-40 flex w-64 overflow-y-auto shadow-xl" : "hidden"} flex-col border-r border-zinc-200 bg-white px-3 py-5 md:static md:flex md:w-52 md:shrink-0 md:shadow-none dark:border-zinc-800 dark:bg-zinc-900`}
      >
        <Brand className="mb-6 hidden md:flex" />
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
    </>
  );
}
