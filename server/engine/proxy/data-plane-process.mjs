// Entry of the data plane process: register the TypeScript loader, then run the process proper.
import { register } from "tsx/esm/api";

register();
await import("./data-plane-process.ts");
