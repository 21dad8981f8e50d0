import { z } from "zod";
import { instanceId } from "./instance";

export type LogStream = "stdout" | "stderr";
/** One line an instance printed, stamped when Gantry read it. */
export type LogLine = { at: number; stream: LogStream; text: string };

export const logQuery = z.object({
  instanceId,
  /** The newest lines that match, at most this many. */
  tail: z.number().int().min(1).max(5000).default(200),
  since: z.number().int().min(0).optional(),
  until: z.number().int().min(0).optional(),
  /** Case-insensitive substring. */
  text: z.string().max(200).optional(),
  stream: z.enum(["stdout", "stderr"]).optional(),
});
export type LogQuery = z.input<typeof logQuery>;
