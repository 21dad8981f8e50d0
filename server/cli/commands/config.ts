import fs from "node:fs";
import path from "node:path";
import type { ConfigApplyInput, ConfigDiff, SecretNeed } from "../../contracts/config";
import type { CliContext } from "../context";
import { CliError, ExitCode, usageError } from "../exit-codes";
import { hasChanges, renderPlan } from "../plan";
import { createPrompter } from "../prompt";

type FileInput = { yaml: string; file: string; dir: string };
type Secrets = NonNullable<ConfigApplyInput["secrets"]>;

/** The file as given; `-` is stdin. A file that can't be read is bad input (exit 1). */
function readConfigFile(cli: CliContext, file: string): Promise<FileInput> | FileInput {
  if (file === "-") {
    return new Promise((resolve, reject) => {
      let yaml = "";
      cli.io.stdin.setEncoding("utf8");
      cli.io.stdin.on("data", (chunk) => (yaml += chunk));
      cli.io.stdin.on("end", () => resolve({ yaml, file: "stdin", dir: process.cwd() }));
      cli.io.stdin.on("error", reject);
    });
  }
  try {
    return { yaml: fs.readFileSync(file, "utf8"), file, dir: path.dirname(path.resolve(file)) };
  } catch (err) {
    throw new CliError(ExitCode.usage, `can't read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Values for the secrets the file refers to, read here as the README says: `fromEnv` from this
 * process's environment, `fromFile` relative to the file's directory (without a final newline).
 * A reference with no value is left out: the server keeps what it stores, or says it is missing.
 */
function resolveSecrets(cli: CliContext, needs: readonly SecretNeed[], dir: string): Secrets {
  const secrets = { env: {} as Record<string, string>, files: {} as Record<string, string> };
  for (const { ref } of needs) {
    if ("fromEnv" in ref) {
      const found = cli.io.env[ref.fromEnv];
      if (found !== undefined) secrets.env[ref.fromEnv] = found;
    } else if (!(ref.fromFile in secrets.files)) {
      try {
        secrets.files[ref.fromFile] = fs.readFileSync(path.resolve(dir, ref.fromFile), "utf8").replace(/\r?\n$/, "");
      } catch (err) {
        throw new CliError(ExitCode.usage, `can't read the secret file ${ref.fromFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
  }
  return secrets;
}

/** The diff with every secret value this machine has: asked once to learn the references, again with their values. */
async function planFor(cli: CliContext, input: FileInput, prune: boolean): Promise<{ diff: ConfigDiff; request: ConfigApplyInput }> {
  const base = { yaml: input.yaml, file: input.file, prune };
  const first = await cli.api.config.diff.mutate(base);
  if (first.secrets.length === 0) return { diff: first, request: base };
  const request = { ...base, secrets: resolveSecrets(cli, first.secrets, input.dir) };
  return { diff: await cli.api.config.diff.mutate(request), request };
}

export async function diff(cli: CliContext, options: { file: string; prune: boolean }): Promise<void> {
  const { diff } = await planFor(cli, await readConfigFile(cli, options.file), options.prune);
  cli.out(renderPlan(diff));
}

/** Prints the plan, asks (unless --yes), applies in one transaction; rollouts start on the server. */
export async function apply(cli: CliContext, options: { file: string; prune: boolean; yes: boolean }): Promise<void> {
  const input = await readConfigFile(cli, options.file);
  const { diff, request } = await planFor(cli, input, options.prune);
  cli.out(renderPlan(diff));
  if (!hasChanges(diff)) return;
  if (!options.yes) {
    if (!cli.io.stdin.isTTY || options.file === "-") throw usageError("not asking without a terminal: pass --yes to apply");
    const prompter = createPrompter(cli.io.stdin, cli.io.stderr);
    try {
      const answer = await prompter.ask("Apply these changes? [y/N] ");
      if (!/^y(es)?$/i.test(answer)) return cli.note("nothing applied");
    } finally {
      prompter.close();
    }
  }
  const result = await cli.api.config.applyFile.mutate(request);
  const rolling = result.services.filter((s) => s.action === "changed" && s.rollout && s.rollout.starts + s.rollout.stops > 0).map((s) => s.name);
  cli.out(`applied${result.changed ? "" : " (nothing changed)"}\n`);
  for (const name of rolling) cli.note(`${name} is rolling out: gantry rollout status ${name}`);
}

/** The topology (or the services named) as a gantry.yaml on stdout; the secrets it needs on stderr. */
export async function exportConfig(cli: CliContext, services: string[], options: { positions: boolean; alerts: boolean; output?: string }): Promise<void> {
  const exported = await cli.api.config.export.query({ services: services.length > 0 ? services : undefined, positions: options.positions, alerts: options.alerts });
  if (options.output) fs.writeFileSync(options.output, exported.yaml);
  else cli.out(exported.yaml);
  if (exported.secrets.length > 0) {
    const names = [...new Set(exported.secrets.flatMap((s) => ("fromEnv" in s.ref ? [s.ref.fromEnv] : [])))];
    cli.note(`applying this file needs the secrets it refers to${names.length > 0 ? `: set ${names.join(", ")}` : ""} (a reference with no value keeps the stored secret)`);
  }
}
