// Entry of the data plane thread. Worker threads don't inherit the TypeScript loader the server
// itself runs under, so register it here, then load the worker proper.
import { register } from "tsx/esm/api";

register();
await import("./proxy-worker.ts");
