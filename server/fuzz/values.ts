import type { z } from "zod";
import type { Random } from "./prng";

/**
 * Values worth trying: valid ones of Gantry's own shapes (names, paths, env names, durations…) and
 * the classics that break parsers and object lookups. Nothing here is a destructive command: the
 * fuzzer creates services, and they run.
 */
export const interestingStrings = [
  ...["a", "api", "svc-1", "web", "payments", "team", "x", "true", "false", "node", "/bin/true", "/nonexistent/gantry-fuzz", "examples/demo"],
  ...["ENV_NAME", "PATH_X", "/", "/health", "/api/v1?x=1", "http://127.0.0.1:9/health", "127.0.0.1:9", "10s", "250ms", "0s", "2h", "team=payments"],
  ...["SIGTERM", "GET", "round_robin", "weighted", "ring_hash", "http", "tcp", "exec", "grpc", "always", "on-failure", "viewer", "admin", "instance", "revision"],
  ...["", " ", "\u0000", "\r\n", "%zz", "%", "../../etc/passwd", "a".repeat(70), "x".repeat(5000), "ü🙂", "\u202e", "<script>", "' OR 1=1 --", "${x}"],
  ...["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "null", "NaN", "-1", "1e308", "9".repeat(30)],
];

export const interestingNumbers = [0, 1, 2, 3, -1, 0.5, 0.1, 10, 59, 100, 101, 3600, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE];

/** Ids that exist in the Gantry under test, so valid-looking inputs reach past "not found". */
export type KnownIds = { services: string[]; dependencies: string[]; instances: string[]; tokens: string[]; users: string[] };

type Def = { type: string; [key: string]: unknown };
type Check = { _zod: { def: { check: string; minimum?: number; maximum?: number; pattern?: RegExp; format?: string; value?: number; inclusive?: boolean } } };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const checksOf = (def: Def) => ((def.checks as Check[] | undefined) ?? []).map((c) => c._zod.def);

/** A value for `schema`, valid where the generator can tell (ranges, enums, patterns), from the pools otherwise. */
export function arbitrary(schema: z.ZodType, random: Random, known: KnownIds, key = "", depth = 0): unknown {
  const def = defOf(schema);
  const inner = (s: unknown, k = key) => arbitrary(s as z.ZodType, random, known, k, depth + 1);
  switch (def.type) {
    case "optional":
    case "nullable":
      return random.chance(0.25) ? (def.type === "optional" ? undefined : null) : inner(def.innerType);
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
      return random.chance(0.3) ? undefined : inner(def.innerType);
    case "pipe":
      return inner(def.in);
    case "lazy":
      return inner((def.getter as () => unknown)());
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const value = depth > 6 ? undefined : inner(field, name);
        if (value !== undefined) out[name] = value;
      }
      return out;
    }
    case "array": {
      const { minimum = 0, maximum = 3 } = Object.assign({}, ...checksOf(def).map((c) => (c.check === "min_length" ? { minimum: c.minimum } : c.check === "max_length" ? { maximum: c.maximum } : {})));
      return Array.from({ length: random.int(minimum, Math.min(maximum, minimum + 3)) }, () => inner(def.element));
    }
    case "record": {
      const out: Record<string, unknown> = {};
      for (let i = random.int(0, 3); i > 0; i--) out[String(inner(def.keyType, "key"))] = inner(def.valueType);
      return out;
    }
    case "union":
      return inner(random.pick(def.options as z.ZodType[]));
    case "enum":
      return random.pick(Object.values(def.entries as Record<string, unknown>));
    case "literal":
      return random.pick(def.values as unknown[]);
    case "boolean":
      return random.chance(0.5);
    case "number":
      return number(def, random, key);
    case "string":
      return string(def, random, known, key);
    case "bigint":
      return random.int(0, 1000);
    default:
      return random.pick([null, 1, "x", {}, []]);
  }
}

function number(def: Def, random: Random, key: string): number {
  const checks = checksOf(def);
  const min = checks.find((c) => c.check === "greater_than")?.value ?? -1000;
  const max = checks.find((c) => c.check === "less_than")?.value ?? 1000;
  const int = checks.some((c) => c.check === "number_format" && (c.format === "safeint" || c.format === "int32"));
  // Replicas stay small: every accepted service really starts its instances.
  const ceiling = key === "replicas" ? Math.min(max, 2) : max;
  const value = random.chance(0.2) ? random.pick([min, ceiling]) : min + random.next() * (Math.min(ceiling, min + 100) - min);
  return int ? Math.round(value) : value;
}

function string(def: Def, random: Random, known: KnownIds, key: string): string {
  const checks = checksOf(def);
  if (checks.some((c) => c.format === "uuid" || c.format === "guid")) {
    const pool = /dependency/i.test(key) ? known.dependencies : /user/i.test(key) ? known.users : /token/i.test(key) ? known.tokens : known.services;
    return random.chance(0.85) && pool.length > 0 ? random.pick(pool) : crypto.randomUUID();
  }
  if (/instance/i.test(key) && known.instances.length > 0 && random.chance(0.7)) return random.pick(known.instances);
  const pattern = checks.find((c) => c.pattern)?.pattern;
  const min = checks.find((c) => c.check === "min_length")?.minimum ?? 0;
  const max = checks.find((c) => c.check === "max_length")?.maximum ?? Infinity;
  const fits = interestingStrings.filter((s) => s.length >= min && s.length <= max && (!pattern || pattern.test(s)));
  if (fits.length > 0 && random.chance(0.85)) {
    const base = random.pick(fits);
    // Names must often be new to be accepted: vary them while keeping them valid.
    return pattern && /\[a-z\]/.test(pattern.source) && random.chance(0.6) ? varied(base, pattern, max, random) : base;
  }
  return random.pick(interestingStrings);
}

function varied(base: string, pattern: RegExp, max: number, random: Random): string {
  const candidate = `${base}${random.int(0, 99_999)}`.slice(0, max === Infinity ? 64 : max);
  return pattern.test(candidate) ? candidate : base;
}
