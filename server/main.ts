import { EnvError, parseEnv } from "./env";
import { startGantry } from "./gantry";
import { DataDirLockedError } from "./lib/data-dir-lock";
import { createLogger } from "./lib/logger";
import { unsupportedPlatform } from "./lib/supported-platform";

process.env.NEXT_TELEMETRY_DISABLED ??= "1";

const unsupported = unsupportedPlatform();
if (unsupported) {
  console.error(`gantry: ${unsupported}`);
  process.exit(78); // EX_CONFIG, as for a bad environment
}

let env;
try {
  env = parseEnv();
} catch (err) {
  if (!(err instanceof EnvError)) throw err;
  console.error(`gantry: ${err.message}`);
  process.exit(78); // EX_CONFIG
}

const log = createLogger(env.logLevel);
const started = Date.now();

try {
  const gantry = await startGantry({ env, log });
  log.info({ ms: Date.now() - started }, "ready");
  if (gantry.setupUrl) {
    console.log(`\n  Gantry is ready. Nobody can sign in yet: open this link to create the first admin\n  (it works once, and changes at every start until then):\n\n    ${gantry.setupUrl}\n`);
  } else console.log(`\n  Gantry dashboard: ${gantry.url}\n`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, "second signal: exiting now");
      process.exit(130);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    gantry.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
} catch (err) {
  if (err instanceof DataDirLockedError) log.fatal(err.message);
  else log.fatal({ err }, "Gantry failed to start");
  process.exit(1);
}
