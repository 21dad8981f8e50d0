/**
 * glibc malloc settings for Gantry's own Node processes: the main process (`npm start` sets them,
 * since glibc reads them once, at exec), the data plane and the launcher of instances. By default
 * glibc gives threads that allocate at once arenas of their own, up to 8 per core, and Node's
 * threads (libuv's pool, V8's compiler and GC helpers) leave each one fragmented and never handed
 * back. Two arenas, and free memory above 128 KB trimmed, kept the idle main process with the demo
 * ~40 MB smaller (issue 22). Instances get none of this: their environment is their own.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2", MALLOC_TRIM_THRESHOLD_: "131072" };
