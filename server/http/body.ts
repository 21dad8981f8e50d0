import type { IncomingMessage } from "node:http";
import { AppError } from "../lib/app-error";

/** A request's body as text, refused once it grows past `maxBytes` (nothing more is buffered). */
export async function readBody(req: IncomingMessage, maxBytes: number, tooLarge = "request body too large"): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new AppError("BAD_REQUEST", tooLarge);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
