/** `KEY=value` lines → an env map. Blank lines and `#` comments are ignored. */
export function parseEnvText(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) return { error: `line ${index + 1}: expected KEY=value` };
    const key = line.slice(0, eq).trim();
    if (Object.hasOwn(env, key)) return { error: `line ${index + 1}: ${key} is set twice` };
    env[key] = line.slice(eq + 1);
  }
  return { env };
}

