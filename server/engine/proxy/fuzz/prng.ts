/** A small seeded PRNG (mulberry32): the same seed gives the same fuzz inputs on every machine. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, below). */
  below(below: number): number {
    return Math.floor(this.next() * below);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** The PRNG of one run, from the suite's seed and the run's number, so any single run can be replayed on its own. */
export function runPrng(seed: number, run: number): Prng {
  return new Prng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(run + 1, 0xc2b2ae35));
}

/**
 * A fuzz suite's seed and the runs to make: FUZZ_SEED and FUZZ_RUNS override its defaults, and
 * FUZZ_RUN=n replays run n of the seed alone (`replaying` then says so).
 */
export function fuzzRuns(defaultSeed: number, defaultRuns: number): { seed: number; count: number; runs: number[]; replaying: boolean } {
  const seed = Number(process.env.FUZZ_SEED ?? defaultSeed);
  const count = Number(process.env.FUZZ_RUNS ?? defaultRuns);
  const only = process.env.FUZZ_RUN;
  const runs = only === undefined ? Array.from({ length: count }, (_, run) => run) : [Number(only)];
  return { seed, count, runs, replaying: only !== undefined };
}
