const browsers: Array<[name: string, pattern: RegExp]> = [
  // Order matters: Edge and Opera say "Chrome" too, and Chrome says "Safari".
  ["Edge", /\bEdg(?:e|A|iOS)?\/(\d+)/],
  ["Opera", /\bOPR\/(\d+)/],
  ["Firefox", /\b(?:Firefox|FxiOS)\/(\d+)/],
  ["Headless Chrome", /\bHeadlessChrome\/(\d+)/],
  ["Chrome", /\b(?:Chrome|CriOS)\/(\d+)/],
  ["Safari", /\bVersion\/(\d+)(?:[.\d]*)(?: Mobile\/\w+)? Safari\//],
];

const systems: Array<[name: string, pattern: RegExp]> = [
  ["iOS", /\b(?:iPhone|iPad|iPod)\b/],
  ["Android", /\bAndroid\b/],
  ["Windows", /\bWindows\b/],
  ["ChromeOS", /\bCrOS\b/],
  ["macOS", /\bMac OS X\b|\bMacintosh\b/],
  ["Linux", /\bLinux\b/],
];

/**
 * A browser's User-Agent as a person would name the device: "Firefox 128 on macOS". A client
 * that is no browser keeps its first product token ("curl 8.4.0"); nothing known says so.
 */
export function shortenUserAgent(userAgent: string | null | undefined): string {
  const ua = userAgent?.trim();
  if (!ua) return "Unknown device";
  const system = systems.find(([, pattern]) => pattern.test(ua))?.[0];
  for (const [name, pattern] of browsers) {
    const version = pattern.exec(ua)?.[1];
    if (version) return system ? `${name} ${version} on ${system}` : `${name} ${version}`;
  }
  const product = /^([\w.-]+)\/([\w.-]+)/.exec(ua);
  if (product) return `${product[1]} ${product[2]}`;
  return ua.length > 40 ? `${ua.slice(0, 39)}…` : ua;
}
