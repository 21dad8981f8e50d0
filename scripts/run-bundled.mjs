// Runs one of Gantry's TypeScript entry points as a single plain-JavaScript bundle (esbuild), built
// once and rebuilt only when a file it was made from changes. The process then carries no
// TypeScript loader: tsx compiles every module at each start and keeps ~30 MB resident.
//   node scripts/run-bundled.mjs <entry.ts>      (or import { runBundled } from here)
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { SourceMap } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const projectRoot = path.resolve(import.meta.dirname, "..");
/** Bumped when the build options below change, so older bundles are not reused. */
const FORMAT = "1";
/** Bundles other than the current one, unused this long, are removed. */
const KEEP_MS = 7 * 24 * 3600_000;

/** A bundle names its sources by their own place: `import.meta.dirname`/`url` keep meaning the source file's. */
const sourceLocations = {
  name: "source-locations",
  setup(builder) {
    builder.onLoad({ filter: /\.(m?ts|tsx)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await fs.promises.readFile(args.path, "utf8");
      const contents = text
        .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(args.path)))
        .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: args.path.endsWith(".tsx") ? "tsx" : "ts" };
    });
  },
};

const digestOf = (root, files) => {
  const hash = createHash("sha256").update(`${FORMAT}\n${process.version}\n`);
  for (const file of files) hash.update(`${file}\n`).update(fs.readFileSync(path.join(root, file)));
  return hash.digest("hex").slice(0, 16);
};

/** The current bundle of `entry` if every file it was built from is unchanged. */
function currentBundle(root, dir) {
  try {
    const { digest, inputs } = JSON.parse(fs.readFileSync(path.join(dir, "current.json"), "utf8"));
    const file = path.join(dir, `${digest}.mjs`);
    return fs.existsSync(file) && digestOf(root, inputs) === digest ? file : undefined;
  } catch {
    return undefined; // no bundle yet, or a source is gone
  }
}

async function rebuild(root, entry, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const { build, stop } = await import("esbuild"); // only when building: loading it takes half a second
  const aside = path.join(dir, `build-${process.pid}.mjs`);
  // esbuild's service process would otherwise stay for as long as Gantry runs (~47 MB resident).
  const result = await build({
    entryPoints: [path.join(root, entry)],
    outfile: aside,
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    plugins: [sourceLocations],
    logLevel: "error",
  }).finally(stop);
  const inputs = Object.keys(result.metafile.inputs).sort();
  const digest = digestOf(root, inputs);
  const file = path.join(dir, `${digest}.mjs`);
  // Renamed into place: a Gantry starting at the same moment sees all of a bundle or none.
  fs.renameSync(`${aside}.map`, `${file}.map`);
  fs.writeFileSync(aside, fs.readFileSync(aside, "utf8").replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${path.basename(file)}.map`));
  fs.renameSync(aside, file);
  fs.writeFileSync(`${aside}.json`, JSON.stringify({ digest, inputs }));
  fs.renameSync(`${aside}.json`, path.join(dir, "current.json"));
  return file;
}

function pruneUnused(dir, current) {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name.startsWith(path.basename(current)) || name === "current.json") continue;
    if (Date.now() - fs.statSync(file).mtimeMs > KEEP_MS) fs.rmSync(file, { force: true });
  }
}

/**
 * The bundle of `entry` (a path relative to `root`), built first if it is missing or a file it was
 * made from changed. It lives under the root's node_modules, so its package imports resolve there.
 */
export async function bundle(entry, root = projectRoot) {
  const dir = path.join(root, "node_modules/.cache/gantry-bundles", entry.replace(/[^\w.-]+/g, "_"));
  const file = currentBundle(root, dir) ?? (await rebuild(root, entry, dir));
  const now = new Date();
  fs.utimesSync(file, now, now);
  pruneUnused(dir, file);
  return file;
}

/**
 * Stack traces name the TypeScript sources of the bundle's frames. Node's own source maps
 * (--enable-source-maps) would read and keep the map of every module loaded after them that has
 * one: Next's server runtime's alone, sources included, held ~17 MB of the idle main process
 * (issue 22). The bundle's map is read at the first stack that passes through the bundle.
 */
function mapStackTraces(file) {
  const url = pathToFileURL(file).href;
  /** The map and its sources as paths; null if it could not be read (the frames then name the bundle). */
  let map;
  let sources;
  const load = () => {
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
      sources = new Map(map.payload.sources.map((source) => [source, fileURLToPath(new URL(source, url))]));
    } catch {
      map = null; // a stack trace must come out whatever happened to the map
    }
  };
  const located = (frame) => {
    const text = frame.toString();
    if (frame.getFileName() !== url) return text;
    if (map === undefined) load();
    if (!map) return text;
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    const origin = map.findOrigin(line, column);
    if (origin.fileName === undefined) return text;
    const at = `${sources.get(origin.fileName) ?? origin.fileName}:${origin.lineNumber}:${origin.columnNumber}`;
    const place = `${url}:${line}:${column}`;
    const index = text.lastIndexOf(place);
    return index < 0 ? text : text.slice(0, index) + at + text.slice(index + place.length);
  };
  Error.prepareStackTrace = (error, frames) => {
    let header;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = "<error>";
    }
    return header + frames.map((frame) => `\n    at ${located(frame)}`).join("");
  };
}

/** Loads `entry` (relative to `root`) from its bundle; returns its exports. */
export async function runBundled(entry, root = projectRoot) {
  const file = await bundle(entry, root);
  mapStackTraces(file);
  return import(pathToFileURL(file).href);
}

if (process.argv[1] === import.meta.filename) {
  const entry = process.argv[2];
  if (!entry) {
    console.error("usage: node scripts/run-bundled.mjs <entry.ts>");
    process.exit(64);
  }
  process.argv.splice(2, 1); // the entry sees its own arguments where it expects them
  await runBundled(entry);
}
