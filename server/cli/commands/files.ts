import fs from "node:fs";
import path from "node:path";
import { importCompose } from "../../config/import-compose";
import { importProcfile } from "../../config/import-procfile";
import { renderKubernetes } from "../../config/kubernetes";
import { ConfigError, parseConfig } from "../../config/parse";
import { parseSecretKey } from "../../lib/secret-box";
import { copyStore, formatCopyProgress, StoreCopyRefused } from "../../store/copy-store";
import type { CliContext } from "../context";
import { CliError, ExitCode, usageError } from "../exit-codes";

export const importFormats = ["compose", "procfile"] as const;
export type ImportFormat = (typeof importFormats)[number];

/** A file's problems (file:line:column) are bad input: exit 1 with them. */
function asUsage<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof ConfigError) throw usageError(err.message);
    throw err;
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw usageError(`can't read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** A gantry.yaml from a docker-compose file or a Procfile, to review: on stdout (or a file), what wasn't translated on stderr. No server needed. */
export function importFile(cli: CliContext, format: ImportFormat, file: string, options: { output?: string }): void {
  const text = readText(file);
  const result = asUsage(() => (format === "compose" ? importCompose(text, path.basename(file)) : importProcfile(text, path.basename(file))));
  if (options.output) fs.writeFileSync(options.output, result.yaml);
  else cli.out(result.yaml);
  if (result.untranslated.length > 0) cli.note(`not translated (${result.untranslated.length}):\n${result.untranslated.map((line) => `  ${line}`).join("\n")}`);
}

/** The server's topology as Kubernetes Deployments and Services. */
export async function exportKubernetes(cli: CliContext, services: string[], options: { output?: string }): Promise<void> {
  const exported = await cli.api.config.export.query({ services: services.length > 0 ? services : undefined, positions: false });
  const manifests = asUsage(() => renderKubernetes(parseConfig(exported.yaml, { file: "export" }).config));
  if (options.output) fs.writeFileSync(options.output, manifests);
  else cli.out(manifests);
}

/** Copies a whole store (PGlite data dir or PostgreSQL) into another, with progress per table. No server needed; stop Gantry first. */
export async function dbCopy(cli: CliContext, options: { from: string; to: string; force: boolean }): Promise<void> {
  const secretKey = cli.io.env.GANTRY_SECRET_KEY;
  try {
    const result = await copyStore(options.from, options.to, {
      force: options.force,
      secretKeys: secretKey ? [parseSecretKey(secretKey)] : undefined,
      progress: (progress) => cli.note(formatCopyProgress(progress)),
    });
    const rows = result.tables.reduce((sum, t) => sum + t.rows, 0);
    cli.out(`copied ${rows.toLocaleString("en-US")} rows in ${result.tables.length} tables in ${(result.durationMs / 1000).toFixed(1)} s\n`);
    for (const note of result.notes) cli.out(`${note}\n`);
  } catch (err) {
    if (err instanceof StoreCopyRefused) throw new CliError(ExitCode.usage, err.message);
    throw err;
  }
}
