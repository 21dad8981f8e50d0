"use client";

import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { Modal } from "./modal";

/** `keys` is a key (`n`, `+`, `Escape`, `?`) or a two-key sequence (`g o`). */
export type Shortcut = { keys: string; description: string; run(): void };

const SEQUENCE_MS = 1200;

/** The shortcuts mounted components offer; for equal keys the most recent registration wins. */
class ShortcutRegistry {
  private readonly entries = new Map<number, Shortcut>();
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  private list: Shortcut[] = [];

  add(shortcut: Shortcut): () => void {
    const id = ++this.seq;
    this.entries.set(id, shortcut);
    this.changed();
    return () => {
      this.entries.delete(id);
      this.changed();
    };
  }

  find(keys: string): Shortcut | undefined {
    return this.list.find((s) => s.keys === keys);
  }

  startsSequence(key: string): boolean {
    return this.list.some((s) => s.keys.startsWith(`${key} `));
  }

  /** One per key combination, newest registration first. */
  all = (): Shortcut[] => this.list;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private changed() {
    const seen = new Set<string>();
    this.list = [...this.entries.values()].reverse().filter((s) => !seen.has(s.keys) && seen.add(s.keys));
    for (const listener of this.listeners) listener();
  }
}

const RegistryContext = createContext<ShortcutRegistry | null>(null);

/** Keys typed into a field are text, not commands. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  return target.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "range"].includes((target as HTMLInputElement).type);
}

export function ShortcutsProvider({ children }: { children: ReactNode }) {
  const [registry] = useState(() => new ShortcutRegistry());
  const [helpOpen, setHelpOpen] = useState(false);

  useEffect(() => {
    let prefix: string | undefined;
    let prefixTimer: ReturnType<typeof setTimeout> | undefined;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      const keys = prefix ? `${prefix} ${event.key}` : event.key;
      prefix = undefined;
      clearTimeout(prefixTimer);
      const shortcut = registry.find(keys);
      if (shortcut) {
        event.preventDefault();
        shortcut.run();
      } else if (keys === event.key && registry.startsSequence(event.key)) {
        event.preventDefault();
        prefix = event.key;
        prefixTimer = setTimeout(() => (prefix = undefined), SEQUENCE_MS);
      }
    };
    const removeHelp = registry.add({ keys: "?", description: "Show keyboard shortcuts", run: () => setHelpOpen((open) => !open) });
    window.addEventListener("keydown", onKeyDown);
    return () => {
      window.removeEventListener("keydown", onKeyDown);
      removeHelp();
    };
  }, [registry]);

  return (
    <RegistryContext.Provider value={registry}>
      {children}
      {helpOpen && <ShortcutHelp registry={registry} onClose={() => setHelpOpen(false)} />}
    </RegistryContext.Provider>
  );
}

/** Offers a keyboard shortcut while the calling component is mounted (and `enabled`). */
export function useShortcut(keys: string, description: string, run: () => void, enabled = true): void {
  const registry = useContext(RegistryContext);
  const latest = useRef(run);
  latest.current = run;
  useEffect(() => {
    if (!registry || !enabled) return;
    return registry.add({ keys, description, run: () => latest.current() });
  }, [registry, keys, description, enabled]);
}

const keyLabel = (keys: string) => keys.split(" ").map((k) => (k === "Escape" ? "Esc" : k));

function ShortcutHelp({ registry, onClose }: { registry: ShortcutRegistry; onClose(): void }) {
  const shortcuts = useSyncExternalStore(registry.subscribe, registry.all, registry.all);
  return (
    <Modal label="Keyboard shortcuts" onClose={onClose} closeKeys={["Escape", "?"]}>
      <h2 className="mb-3 text-sm font-semibold">Keyboard shortcuts</h2>
      <dl className="space-y-1.5 text-sm">
        {[...shortcuts].sort((a, b) => a.keys.localeCompare(b.keys)).map((s) => (
          <div key={s.keys} className="flex items-center justify-between gap-4">
            <dt className="text-zinc-600 dark:text-zinc-300">{s.description}</dt>
            <dd className="flex gap-1">
              {keyLabel(s.keys).map((k, i) => (
                <kbd key={i} className="rounded border border-zinc-300 bg-zinc-50 px-1.5 font-mono text-xs dark:border-zinc-600 dark:bg-zinc-800">
                  {k}
                </kbd>
              ))}
            </dd>
          </div>
        ))}
      </dl>
      <p className="mt-4 text-xs text-zinc-500">Shortcuts are off while you type in a field.</p>
    </Modal>
  );
}
