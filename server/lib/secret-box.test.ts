import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/gantry";
import { createSecretBox, loadSecretKey } from "./secret-box";

describe("secret box", () => {
  const box = createSecretBox(randomBytes(32));

  it("seals so that the value can't be read, and opens it again", () => {
    const sealed = box.seal("hunter2 ✓");
    expect(sealed).not.toContain("hunter2");
    expect(box.isSealed(sealed)).toBe(true);
    expect(box.seal("hunter2 ✓")).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed)).toBe("hunter2 ✓");
  });

  it("refuses a value sealed with another key, or tampered with, saying why", () => {
    const other = createSecretBox(randomBytes(32)).seal("x");
    expect(() => box.open(other)).toThrow("could not be decrypted");
    const sealed = box.seal("payload");
    const tampered = sealed.slice(0, -4) + (sealed.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(() => box.open(tampered)).toThrow("could not be decrypted");
  });

  it("creates a key file readable only by its owner once, then keeps using it", () => {
    const dir = tempDir("secret-key");
    const first = loadSecretKey(dir, undefined);
    expect(fs.statSync(path.join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(loadSecretKey(dir, undefined).equals(first)).toBe(true);
  });

  it("takes GANTRY_SECRET_KEY as hex or base64, and refuses a short one", () => {
    const key = randomBytes(32);
    expect(loadSecretKey("/nonexistent", key.toString("hex")).equals(key)).toBe(true);
    expect(loadSecretKey("/nonexistent", key.toString("base64")).equals(key)).toBe(true);
    expect(() => loadSecretKey("/nonexistent", "abcd")).toThrow("must be 32 bytes");
  });
});
