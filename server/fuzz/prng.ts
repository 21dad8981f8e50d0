/** A small seeded PRNG (mulberry32): the same seed, the same run — a failure can be replayed. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (from: number, to: number) => from + Math.floor(next() * (to - from + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

export type Random = ReturnType<typeof createRandom>;

/** FUZZ_SEED replays a run; otherwise a fixed seed, so CI is repeatable. */
export const fuzzSeed = () => Number(process.env.FUZZ_SEED ?? 20261201);
/** FUZZ_RUNS scales every fuzz test (npm run fuzz runs them large). */
export const fuzzScale = () => Number(process.env.FUZZ_SCALE ?? 1);
