import readline from "node:readline";
import { Writable } from "node:stream";
import type { Input, Output } from "./context";
import { usageError } from "./exit-codes";

export type Prompter = { ask(question: string, options?: { secret?: boolean }): Promise<string>; close(): void };

/**
 * Asks on stderr and reads answers from stdin, one line each. A secret's typing is not echoed on a
 * terminal. Piped input works too (`printf 'ana\nsecret\n' | gantry login`), read line by line.
 */
export function createPrompter(stdin: Input, stderr: Output): Prompter {
  let muted = false;
  const echo = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) stderr.write(String(chunk));
      done();
    },
  });
  const rl = readline.createInterface({ input: stdin, output: echo, terminal: Boolean(stdin.isTTY) });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async ask(question, options = {}) {
      stderr.write(question);
      muted = Boolean(options.secret) && Boolean(stdin.isTTY);
      const next = await lines.next();
      // The answer was not echoed (hidden, or piped in): end the prompt's line ourselves.
      if (muted || !stdin.isTTY) stderr.write("\n");
      muted = false;
      if (next.done) throw usageError(`no answer to "${question.trim()}" (stdin ended)`);
      return String(next.value).trim();
    },
    close: () => rl.close(),
  };
}
