// `npm start`: build the dashboard if missing or stale, then serve it (server/main.ts).
import { ensureDashboardBuild } from "./dashboard-build";

ensureDashboardBuild();
await import("../server/main");
