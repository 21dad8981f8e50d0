/**
 * Gantry runs on Linux only: it reads /proc to lock its data directory, to adopt instances still
 * running after a restart and to measure their CPU and memory, and its process driver relies on
 * Linux process groups and signals. package.json's `os` says so to npm; this says it at boot.
 */
export function unsupportedPlatform(platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform === "linux") return undefined;
  return `Gantry runs on Linux only (this is ${platform}): it reads /proc to lock its data directory, adopt running instances and measure their usage`;
}
