import type { z } from "zod";
import { renderConfig } from "./export";
import { parseConfig } from "./parse";
import { fileService, type FileService, type fileServiceFields } from "./schema";

// What the importers share: turning foreign names into service names, checking each service they
// built against the gantry.yaml schema, and writing the file with a header that says what was left
// behind. The importers only decide what a foreign file means; nothing here reads one.

/** What an import hands back: a gantry.yaml to review, and each thing it could not carry over (`service.key: why`). */
export type ImportResult = { yaml: string; untranslated: string[] };

/** A service as an importer writes it: gantry.yaml input, defaults left to the schema. */
export type ImportedService = z.input<typeof fileServiceFields>;

const MAX_NAME = 63;

/**
 * A foreign name as a service name (a DNS label): lowercase, `_` and other characters a label
 * can't hold become `-`, starting with a letter, at most 63 characters.
 */
export function dnsLabel(name: string): string {
  let label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(label)) label = label ? `s-${label}` : "service";
  return label.slice(0, MAX_NAME).replace(/-+$/, "");
}

/**
 * Service names for foreign names: each a DNS label, and unique. A name that already is one keeps
 * it; the others take the next free label (`web_app` beside `web-app` becomes `web-app-2`). A note
 * says every name that changed, in the order given.
 */
export function serviceNames(names: readonly string[]): { names: Map<string, string>; notes: string[] } {
  const taken = new Set(names.filter((name) => dnsLabel(name) === name));
  const result = new Map<string, string>();
  const notes: string[] = [];
  for (const name of names) {
    if (taken.has(name) && !result.has(name) && dnsLabel(name) === name) {
      result.set(name, name);
      continue;
    }
    const base = dnsLabel(name);
    let label = base;
    for (let n = 2; taken.has(label); n++) label = `${base.slice(0, MAX_NAME - String(n).length - 1)}-${n}`;
    taken.add(label);
    result.set(name, label);
    if (label !== name) notes.push(`${name}: renamed ${label} (service names are DNS labels: lowercase letters, digits and '-')`);
  }
  return { names: result, notes };
}

const DROPPABLE_PER_KEY = new Set(["env", "probes", "labels"]);

/**
 * The service as the schema reads it. A field the schema refuses is left out with a note rather
 * than failing the whole import (an env variable or a probe alone, not all of them); a service
 * that still can't be read is a bug in the importer, and throws.
 */
export function checkedService(name: string, entry: ImportedService, notes: string[]): FileService {
  const draft: Record<string, unknown> = { ...entry };
  for (let round = 0; round < 32; round++) {
    const parsed = fileService.safeParse(draft);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    // A refused record key (PORT in env) carries the key's own reason inside it.
    const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    const [field, key] = issue.path;
    if (typeof field !== "string" || field === "runtime" || field === "image" || field === "command" || !(field in draft)) {
      throw new Error(`import produced an invalid service ${name}: ${issue.path.join(".")}: ${message}`);
    }
    const inner = draft[field];
    if (DROPPABLE_PER_KEY.has(field) && typeof key === "string" && inner !== null && typeof inner === "object") {
      const { [key]: _dropped, ...rest } = inner as Record<string, unknown>;
      draft[field] = rest;
      notes.push(`${name}.${field}.${key}: ${message}; left out`);
    } else {
      delete draft[field];
      notes.push(`${name}.${field}: ${message}; left out`);
    }
  }
  throw new Error(`import could not make service ${name} valid`);
}

/** One line of the header per note: notes come from foreign files and may hold anything. */
const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * The gantry.yaml for imported services: a header naming the source and listing what was not
 * translated, then the file as an export writes it (defaults left out, names in order). The file is
 * read back with parseConfig before it is returned: an import never hands over a file that won't apply.
 */
export function importedFile(source: { file: string; command: string }, services: Map<string, FileService>, untranslated: string[]): ImportResult {
  const notes = untranslated.map(oneLine);
  const header = [
    `# gantry.yaml imported from ${oneLine(source.file)} by \`${source.command}\`: review it before applying.`,
    ...(notes.length > 0 ? ["# Not translated:", ...notes.map((note) => `#   - ${note}`)] : ["# Everything in it was translated."]),
  ];
  const body = renderConfig(Object.fromEntries(services), {});
  const yaml = `${header.join("\n")}\n${body}`;
  parseConfig(yaml, { file: source.file });
  return { yaml, untranslated: notes };
}
