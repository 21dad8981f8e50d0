import { CliContext, type CliIo } from "./context";
import { classify, ExitCode } from "./exit-codes";
import { buildProgram, isCommanderExit } from "./program";

/** Runs one invocation; resolves to its exit code. Errors end as one line on stderr. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const cli = new CliContext(io);
  const program = buildProgram(cli);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    if (isCommanderExit(err)) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    const failure = classify(err, cli.server());
    io.stderr.write(`gantry: ${failure.message}\n`);
    if (program.opts<{ verbose?: boolean }>().verbose && failure.cause) io.stderr.write(`${describeCause(failure.cause)}\n`);
    return failure.exitCode;
  } finally {
    cli.close();
  }
}

function describeCause(cause: unknown): string {
  const lines: string[] = [];
  for (let e: unknown = cause, depth = 0; e && depth < 6; depth++, e = (e as { cause?: unknown }).cause) {
    lines.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
  }
  return lines.join("\ncaused by: ");
}

/** The `gantry` process: bin/gantry.mjs loads TypeScript through tsx and calls this. */
export async function main(): Promise<never> {
  const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, now: Date.now });
  // Pipes and files are written synchronously on Linux and macOS, so nothing printed is lost; open
  // sockets (keep-alive, a WebSocket closing) must not hold the exit.
  process.exit(code);
}
