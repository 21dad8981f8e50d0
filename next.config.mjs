// Plain JavaScript, not next.config.ts: Next transpiles a TypeScript config with SWC at every start,
// which loads its 24 MB native binding into Gantry's process for the sake of five lines.
/** @type {import("next").NextConfig} */
const config = {
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
  // The dashboard only talks to Gantry's own API; nothing to fetch from elsewhere at build time.
  images: { unoptimized: true },
};

export default config;
