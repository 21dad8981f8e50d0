import { serviceLabels, type Labels } from "@/server/contracts/access";
import { parseEnvText } from "./env-text";

/** Labels as typed: `key=value`, one per line. */
export const labelsTextOf = (labels: Labels = {}) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");

/** Checked with the server's contract; the first problem in words. */
export function toLabelsInput(text: string): { labels: Labels } | { error: string } {
  const lines = parseEnvText(text);
  if ("error" in lines) return { error: lines.error.replace("KEY=value", "key=value") };
  const parsed = serviceLabels.safeParse(lines.env);
  return parsed.success ? { labels: parsed.data } : { error: parsed.error.issues[0]!.message };
}
