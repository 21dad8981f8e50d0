import { Argument, Command, CommanderError, Option } from "commander";
import { parseCount, parseResourceKind, resourceKinds } from "./arguments";
import { apply, diff, exportConfig } from "./commands/config";
import { dbCopy, exportKubernetes, importFile, importFormats, type ImportFormat } from "./commands/files";
import { get } from "./commands/get";
import { login, logout } from "./commands/login";
import { logs } from "./commands/logs";
import { restart } from "./commands/restart";
import { rolloutPause, rolloutStatus, rolloutUndo } from "./commands/rollout";
import { scale } from "./commands/scale";
import { completionScript, parseShell, shells, type CompletionCommand } from "./completion";
import type { CliContext } from "./context";
import { exitCodeHelp } from "./exit-codes";
import { outputFormats, parseOutputFormat, type OutputFormat } from "./output";

/** Where completion offers service names, per command (commander knows the rest). */
const serviceArguments: Record<string, CompletionCommand["services"]> = { export: "plain", get: "plain", scale: "assign", logs: "plain", restart: "plain", rollout: "plain" };

const credentialsHelp = `Credentials: GANTRY_URL and GANTRY_TOKEN, or what \`gantry login\` stored in
$XDG_CONFIG_HOME/gantry/config.json (~/.config/gantry/config.json). The environment wins.`;

/**
 * The `gantry` command tree. Commander parses and writes usage errors; commands throw, and `run`
 * turns what they throw into one line and an exit code.
 */
export function buildProgram(cli: CliContext): Command {
  const program = new Command("gantry")
    .description("Drive a Gantry server from a terminal or a script.")
    .option("-v, --verbose", "on failure, show the underlying error too")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (text) => cli.io.stdout.write(text), writeErr: (text) => cli.io.stderr.write(text) })
    .addHelpText("after", `\n${credentialsHelp}\n\n${exitCodeHelp}\n`)
    .exitOverride();

  const output = () => new Option("-o, --output <format>", `${outputFormats.join(", ")}`).default("table").argParser(parseOutputFormat);

  program
    .command("apply")
    .description("make Gantry what a gantry.yaml says: prints the plan, asks, applies")
    .requiredOption("-f, --file <file>", "the gantry.yaml (- for stdin)")
    .option("--prune", "delete services the file doesn't name")
    .option("-y, --yes", "apply without asking")
    .action((options: { file: string; prune?: boolean; yes?: boolean }) => apply(cli, { file: options.file, prune: Boolean(options.prune), yes: Boolean(options.yes) }));

  program
    .command("diff")
    .description("what `apply -f` would change, per service and field, with the rollouts it would run")
    .requiredOption("-f, --file <file>", "the gantry.yaml (- for stdin)")
    .option("--prune", "also show the services apply --prune would delete")
    .action((options: { file: string; prune?: boolean }) => diff(cli, { file: options.file, prune: Boolean(options.prune) }));

  program
    .command("export")
    .description("the topology (or the services named) as a gantry.yaml")
    .argument("[service...]", "only these services")
    .option("--positions", "include canvas positions")
    .option("--alerts", "include alert rules and receivers")
    .addOption(new Option("--format <format>", "gantry (a gantry.yaml) or kubernetes (Deployments and Services)").choices(["gantry", "kubernetes"]).default("gantry"))
    .option("--output-file <file>", "write the file here instead of stdout")
    .action((services: string[], options: { positions?: boolean; alerts?: boolean; format: string; outputFile?: string }) =>
      options.format === "kubernetes"
        ? exportKubernetes(cli, services, { output: options.outputFile })
        : exportConfig(cli, services, { positions: Boolean(options.positions), alerts: Boolean(options.alerts), output: options.outputFile }),
    );

  program
    .command("import")
    .description("a gantry.yaml from a docker-compose file or a Procfile, to review (what isn't translated goes to stderr)")
    .addArgument(new Argument("<format>", importFormats.join(" | ")).choices(importFormats))
    .argument("<file>")
    .option("--output-file <file>", "write the gantry.yaml here instead of stdout")
    .action((format: ImportFormat, file: string, options: { outputFile?: string }) => importFile(cli, format, file, { output: options.outputFile }));

  const db = program.command("db").description("the store itself");
  db.command("copy")
    .description("copy everything (services, revisions, events, metrics, users, tokens) from one store to another; stop Gantry first")
    .requiredOption("--from <url>", "pglite:<data dir> or postgres://…")
    .requiredOption("--to <url>", "pglite:<data dir> or postgres://…")
    .option("--force", "replace what the target already holds")
    .action((options: { from: string; to: string; force?: boolean }) => dbCopy(cli, { from: options.from, to: options.to, force: Boolean(options.force) }));

  program
    .command("get")
    .description("list services, instances, events or rollouts (of one service if named)")
    .argument("<kind>", resourceKinds.join(" | "), parseResourceKind)
    .argument("[service]", "only this service's")
    .addOption(output())
    .option("-w, --watch", "keep printing what changes, over the WebSocket")
    .option("--limit <n>", "events and rollouts: at most this many", parseCount("--limit", 1, 500), 50)
    .action((kind, service, options: { output: OutputFormat; watch?: boolean; limit: number }) =>
      get(cli, kind, service, { output: options.output, watch: Boolean(options.watch), limit: options.limit }),
    );

  program
    .command("scale")
    .description("set replicas: gantry scale api=3 [web=2 …]")
    .argument("<service=replicas...>")
    .action((pairs: string[]) => scale(cli, pairs));

  program
    .command("logs")
    .description("a service's logs, all instances interleaved and prefixed with the instance")
    .argument("<service>")
    .option("-f, --follow", "keep streaming; instances that start meanwhile join")
    .option("--tail <n>", "lines per instance to start with", parseCount("--tail", 1, 5000), 100)
    .action((service: string, options: { follow?: boolean; tail: number }) => logs(cli, service, { follow: Boolean(options.follow), tail: options.tail }));

  const rollout = program.command("rollout").description("watch, pause, resume or undo a service's rollout");
  rollout
    .command("status")
    .description("the newest rollout; while it runs, its progress until it ends (exit 5 if it fails)")
    .argument("<service>")
    .option("--no-watch", "print the status once")
    .action((service: string, options: { watch: boolean }) => rolloutStatus(cli, service, options));
  rollout.command("pause").description("pause the running rollout").argument("<service>").action((service: string) => rolloutPause(cli, service, "pause"));
  rollout.command("resume").description("resume a paused rollout").argument("<service>").action((service: string) => rolloutPause(cli, service, "resume"));
  rollout
    .command("undo")
    .description("roll back to the previous revision (or --to-revision)")
    .argument("<service>")
    .option("--to-revision <n>", "the revision to return to", parseCount("--to-revision", 1, 2_147_483_647))
    .action((service: string, options: { toRevision?: number }) => rolloutUndo(cli, service, options));

  program
    .command("restart")
    .description("restart every instance of a service")
    .argument("<service>")
    .action((service: string) => restart(cli, service));

  program
    .command("login")
    .description("sign in with a username and password (or paste a token with --token) and store a token")
    .argument("[url]", "Gantry's URL (default: GANTRY_URL, the stored one, or http://127.0.0.1:3000)")
    .option("--token [token]", "store an API token made in the dashboard (asked for if not given)")
    .option("-u, --username <name>", "sign in as this user (asked for if not given)")
    .action((url: string | undefined, options: { token?: string | true; username?: string }) => login(cli, url, options));

  program.command("logout").description("forget the stored login and revoke the token it made").action(() => logout(cli));

  program
    .command("completion")
    .description(`print a shell completion script (${shells.join(", ")})`)
    .argument("<shell>", shells.join(" | "), parseShell)
    .addHelpText("after", "\nbash:  source <(gantry completion bash)\nzsh:   source <(gantry completion zsh)\n")
    .action((shell) => cli.out(completionScript(shell, completionCommands(program))));

  return program;
}

/** The tree as completion sees it, read from the program so the two never drift apart. */
export function completionCommands(program: Command): CompletionCommand[] {
  return program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    options: [...new Set([command, ...command.commands].flatMap((c) => c.options.flatMap((o) => [o.short, o.long].filter((flag): flag is string => Boolean(flag)))))],
    words:
      command.commands.length > 0
        ? command.commands.map((c) => c.name())
        : command.name() === "get"
          ? [...resourceKinds]
          : command.name() === "completion"
            ? [...shells]
            : command.name() === "import"
              ? [...importFormats]
              : [],
    services: serviceArguments[command.name()],
  }));
}

/** Commander's own exits: help and version are successes; anything else it already explained. */
export const isCommanderExit = (err: unknown): err is CommanderError => err instanceof CommanderError;
