import type { InstanceView } from "./instance-view";

/** Gantry's own environment passed on to processes; everything else (credentials, config) stays out. */
const INHERITED_ENV = ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TERM"];

const inherited: Record<string, string> = Object.fromEntries(INHERITED_ENV.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));

/**
 * The complete environment of an instance (and of its exec probes). A container gets none of
 * this host's variables: its image sets its own PATH and HOME.
 */
export function instanceEnv(instance: Pick<InstanceView, "id" | "serviceName" | "template" | "port">): Record<string, string> {
  return {
    ...(instance.template.runtime === "process" ? inherited : {}),
    ...instance.template.env,
    ...instance.template.links,
    ...(instance.port === null ? {} : { PORT: String(instance.port) }),
    GANTRY_SERVICE: instance.serviceName,
    GANTRY_INSTANCE: instance.id,
  };
}
