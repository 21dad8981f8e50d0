import { randomBytes } from "node:crypto";

/** Request ids: a random prefix per data plane and a counter — unique, and far cheaper than a UUID each. */
const prefix = randomBytes(6).toString("hex");
let counter = 0;

export const nextRequestId = () => `${prefix}-${(++counter).toString(36)}`;
