/**
 * glibc malloc settings for Gantry's own Node processes: the main process (`npm start` sets them,
 * since glibc reads them once, at exec), the data plane and the launcher of probes' commands. By default
 * glibc gives threads that allocate at once arenas of their own, up to 8 per core, and Node's
 * threads (libuv's pool, V8's compiler and GC helpers) leave each one fragmented and never handed
 * back. Two arenas, and free memory above 128 KB trimmed, kept the idle main process with the demo
 * ~40 MB smaller (issue 22). Instances get none of this: their environment is their own.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2", MALLOC_TRIM_THRESHOLD_: "131072" };

/**
 * V8 settings for the main process (`npm start` passes them; V8 sizes its heap once, at start).
 * Its young generation grows to two 16 MB semi-spaces by default, which an idle Gantry kept filled
 * with garbage between collections. With 8 MB ones the idle main process held ~35 MB less, for the
 * same CPU under ten thousand dashboards; 4 MB ones saved ~10 MB more but doubled those dashboards'
 * p99 delay from a metrics tick to the screen (474–1,050 ms against 305–344; bench:dashboards,
 * issue 22). The data plane keeps large ones: it allocates per request and favours throughput.
 */
export const MAIN_NODE_ARGS: readonly string[] = ["--max-semi-space-size=8"];
