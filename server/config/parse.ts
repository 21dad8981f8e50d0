import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type Pair } from "yaml";
import type { z } from "zod";
import { AppError } from "../lib/app-error";
import { configFile, type ConfigFile } from "./schema";

/** One thing wrong with a file, where it is (1-based line and column). */
export type ConfigProblem = { file: string; line: number; column: number; path: string; message: string };

export const formatProblem = (p: ConfigProblem) => `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ""}${p.message}`;

/** A file that can't be applied: every problem found, each with its place. Nothing was changed. */
export class ConfigError extends AppError {
  constructor(readonly problems: ConfigProblem[]) {
    super("BAD_REQUEST", problems.map(formatProblem).join("\n"));
  }
}

type Path = readonly PropertyKey[];

/** A parsed file that still knows where each value was written, for problems found later (apply). */
export type ParsedConfig = {
  config: ConfigFile;
  problemAt(path: Path, message: string): ConfigProblem;
};

/** Keys people tend to write that the format says otherwise. */
const HINTS: Record<string, string> = {
  secretEnv: "secretEnv is not part of gantry.yaml: write a secret's value as { fromEnv: NAME } or { fromFile: path }",
  links: "links are Gantry's: list the services this one calls in dependsOn",
  template: "template fields (command, args, env, probes…) sit directly on the service",
  weights: "balancer weights name instances and revisions of one Gantry: set them in the dashboard",
  id: "ids belong to one Gantry: services are keyed by name",
};

const keyText = (pair: Pair) => (isScalar(pair.key) ? String(pair.key.value) : String(pair.key));

/** The node at `path`, or the nearest one above it that exists; `key` asks for the key of a map entry. */
function nodeAt(doc: Document, path: Path, key?: string): Node | undefined {
  let node: unknown = doc.contents;
  let found = node as Node | undefined;
  const steps = key === undefined ? path : [...path, key];
  for (const [index, step] of steps.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p) === String(step));
      if (!pair) break;
      const last = index === steps.length - 1 && key !== undefined;
      node = last ? pair.key : (pair.value ?? pair.key);
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
    } else break;
    if (!node || !(node as Node).range) break;
    found = node as Node;
  }
  return found;
}

const pathText = (path: Path) => path.map((step) => (typeof step === "number" ? `[${step}]` : String(step))).join(".").replace(/\.\[/g, "[");

/** zod's words, or better ones for what a file author most often gets wrong. */
function messageOf(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "invalid_union" && issue.path.includes("env")) {
    const value = valueAt(input, issue.path);
    if (value !== null && typeof value === "object") {
      return "a secret's value can't be written in gantry.yaml: reference it as { fromEnv: NAME } or { fromFile: path }";
    }
    return "an env value is text (quote numbers and booleans), { fromEnv: NAME } or { fromFile: path }";
  }
  if (issue.code === "invalid_type" && valueAt(input, issue.path) === undefined) return "is required";
  return issue.message;
}

function valueAt(input: unknown, path: Path): unknown {
  let value = input;
  for (const step of path) value = value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[step] : undefined;
  return value;
}

/**
 * Reads a gantry.yaml: YAML errors, duplicate keys, unknown keys and bad values are reported with
 * the file, line and column they are at. `known` names services outside the file (already in the
 * store) that dependsOn may name too.
 */
export function parseConfig(text: string, options: { file?: string; known?: Iterable<string> } = {}): ParsedConfig {
  const file = options.file ?? "gantry.yaml";
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: Path, message: string): ConfigProblem => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: pathText(path), message };
  };
  /** `onKey`: point at the key of the last step (an unknown key, a name), not at its value. */
  const problemAt = (path: Path, message: string, onKey = false) =>
    at((onKey ? nodeAt(doc, path.slice(0, -1), String(path.at(-1))) : nodeAt(doc, path))?.range?.[0] ?? 0, path, message);

  const syntax = [...doc.errors, ...doc.warnings].map((e) =>
    at(e.pos[0], [], e.code === "DUPLICATE_KEY" ? `${/^[^:\n]*/.exec(text.slice(e.pos[0]))![0].trim() || "a key"} is written twice here: each name may appear once` : e.message.split(" at line")[0]!),
  );
  if (syntax.length > 0) throw new ConfigError(syntax);

  const problems: ConfigProblem[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && keyText(pair) === "__proto__") problems.push(at((pair.key as Node | null)?.range?.[0] ?? 0, [], "__proto__ can't be used as a name"));
    },
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const input = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = configFile.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push(problemAt([...issue.path, key], HINTS[key] ?? `unknown key ${key}`, true));
      } else problems.push(problemAt(issue.path, messageOf(issue, input)));
    }
    throw new ConfigError(problems);
  }

  const config = parsed.data;
  const known = new Set(options.known ?? []);
  for (const name of Object.keys(config.external)) {
    if (Object.hasOwn(config.services, name)) problems.push(problemAt(["external", name], `${name} is also under services: a name is one service`, true));
  }
  for (const [name, service] of Object.entries(config.services)) {
    service.dependsOn.forEach((callee, index) => {
      const path = ["services", name, "dependsOn", index];
      if (callee === name) problems.push(problemAt(path, "a service cannot depend on itself"));
      else if (!Object.hasOwn(config.services, callee) && !Object.hasOwn(config.external, callee) && !known.has(callee)) {
        problems.push(problemAt(path, `no service named ${callee} (not in this file, nor in Gantry)`));
      }
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, problemAt: (path, message) => problemAt(path, message) };
}
