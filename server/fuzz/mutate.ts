import type { Random } from "./prng";
import { interestingNumbers, interestingStrings } from "./values";

/**
 * One small change to a (mostly valid) JSON value: a field dropped, added, retyped or pushed to an
 * edge. Most mutants are refused; some are valid in ways a hand-written test wouldn't think of.
 */
export function mutate(value: unknown, random: Random, depth = 0): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0 || random.chance(0.2)) return random.chance(0.5) ? [...value, leaf(random)] : [];
    const i = random.int(0, value.length - 1);
    return value.map((item, j) => (j === i ? mutate(item, random, depth + 1) : item));
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    const roll = random.next();
    if (entries.length === 0 || roll < 0.15) return { ...value, [random.pick(interestingStrings)]: leaf(random) };
    const [key, inner] = random.pick(entries);
    if (roll < 0.3) return Object.fromEntries(entries.filter(([k]) => k !== key));
    if (roll < 0.35 && depth < 4) return { ...value, [key]: { nested: inner } };
    return { ...value, [key]: mutate(inner, random, depth + 1) };
  }
  return leaf(random, value);
}

function leaf(random: Random, current?: unknown): unknown {
  const roll = random.next();
  if (typeof current === "string" && roll < 0.3) return random.chance(0.5) ? current + random.pick(interestingStrings) : current.slice(0, random.int(0, current.length));
  if (typeof current === "number" && roll < 0.3) return random.pick([current + 1, current - 1, -current, current * 1000, current / 3]);
  if (roll < 0.55) return random.pick(interestingStrings);
  if (roll < 0.8) return random.pick(interestingNumbers);
  return random.pick([null, true, false, [], {}, [1, 2], { a: 1 }]);
}
