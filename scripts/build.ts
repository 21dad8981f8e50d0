// `npm run build`: builds the dashboard only when its sources changed since the last build.
import { ensureDashboardBuild } from "./dashboard-build";

ensureDashboardBuild();
