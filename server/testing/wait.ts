/** Polls `probe` until it returns something other than undefined, or fails after `ms` with `what`. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
