// Entry of a proxy worker process: register the TypeScript loader, then load the worker proper.
import { register } from "tsx/esm/api";

register();
await import("./proxy-worker.ts");
