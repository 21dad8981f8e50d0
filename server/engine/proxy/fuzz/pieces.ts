import type { Prng } from "./prng";

/** Splits an input into 1 to `maxPieces` pieces at random offsets: how it may arrive, read by read. */
export function pieces(text: string, rng: Prng, maxPieces = 4): string[] {
  const cuts = [...new Set(Array.from({ length: rng.below(maxPieces) }, () => rng.between(1, Math.max(1, text.length - 1))))].sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => text.slice(from, cuts[i] ?? text.length)).filter((piece) => piece.length > 0);
}
