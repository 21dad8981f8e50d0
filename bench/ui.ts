// npm run bench:ui — in Chromium, two cases (BENCH_UI_CASES=canvas,inspector picks them):
// - canvas: a big topology (200 services, 300 dependency edges; BENCH_SERVICES / BENCH_EDGES for
//   issue 22's 1,000 / 1,500): time to the first complete render, click → inspector, main-thread
//   blocking while loading, and frame times while a node is dragged (with the live metrics of every
//   service and edge updating meanwhile), each against its target (see ui-canvas.ts);
// - inspector: a busy service's live charts in the inspector, at every chart window, against the
//   inspector's Instances tab (see ui-busy-inspector.ts).
import { launchChromium } from "./browser";
import { saveResults } from "./gantry-process";
import { bigCanvas } from "./ui-canvas";
import { busyInspector } from "./ui-busy-inspector";

const port = Number(process.env.BENCH_PORT ?? 3900);

const cases = (process.env.BENCH_UI_CASES ?? "canvas,inspector").split(",");
const browser = await launchChromium();
try {
  const results = {
    ...(cases.includes("canvas") && (await bigCanvas(browser, port))),
    ...(cases.includes("inspector") && { busyInspector: await busyInspector(browser, port) }),
  };
  console.log(`results: ${saveResults("ui", results)}`);
} finally {
  await browser.close();
}
