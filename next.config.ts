import type { NextConfig } from "next";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
  // The dashboard only talks to Gantry's own API; nothing to fetch from elsewhere at build time.
  images: { unoptimized: true },
};

export default config;
