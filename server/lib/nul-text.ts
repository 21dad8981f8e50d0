/**
 * PostgreSQL can't store U+0000 in text or JSON; an input carrying one would fail deep in a
 * transaction. Where is the first such string in this value (a path), if anywhere?
 */
export function nulPath(value: unknown, path = "", depth = 0): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path || "value" : undefined;
  if (typeof value !== "object" || value === null || depth > 32) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path ? `${path}.` : ""}${key}`;
    if (key.includes("\u0000")) return at;
    const found = nulPath(inner, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}
