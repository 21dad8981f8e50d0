import type { InstanceRunner } from "./instance-runner";

/** Gantry's own environment passed on to instances; everything else (credentials, config) stays out. */
const INHERITED_ENV = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TERM"];

const inherited: Record<string, string> = Object.fromEntries(INHERITED_ENV.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));

/** The complete environment of an instance's process (and of its exec probes). */
export function instanceEnv(instance: InstanceRunner): Record<string, string> {
  return {
    ...inherited,
    ...instance.template.env,
    ...instance.template.links,
    ...instance.env,
    ...(instance.port === null ? {} : { PORT: String(instance.port) }),
    GANTRY_SERVICE: instance.serviceName,
    GANTRY_INSTANCE: instance.id,
  };
}
