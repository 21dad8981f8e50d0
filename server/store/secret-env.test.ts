import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { instanceTemplate, SECRET_PLACEHOLDER } from "../contracts/service";
import { createSecretBox } from "../lib/secret-box";
import { openSecrets, redactSecrets, sealSecrets } from "./secret-env";

const box = createSecretBox(randomBytes(32));
const template = (env: Record<string, string>, secretEnv: string[]) => instanceTemplate.parse({ command: "node", env, secretEnv });

describe("secret environment variables", () => {
  const stored = sealSecrets(template({ MODE: "fast", TOKEN: "s3cret" }, ["TOKEN"]), undefined, box);

  it("stores secret values sealed and plain ones as they are", () => {
    expect(stored.env.MODE).toBe("fast");
    expect(stored.env.TOKEN).not.toContain("s3cret");
    expect(openSecrets(stored, box).env).toEqual({ MODE: "fast", TOKEN: "s3cret" });
  });

  it("never shows a secret to clients", () => {
    expect(redactSecrets(stored).env).toEqual({ MODE: "fast", TOKEN: SECRET_PLACEHOLDER });
  });

  it("keeps the stored secret, sealed form and all, when the placeholder comes back", () => {
    const saved = sealSecrets(template({ MODE: "slow", TOKEN: SECRET_PLACEHOLDER }, ["TOKEN"]), stored, box);
    expect(saved.env.TOKEN).toBe(stored.env.TOKEN);
    expect(saved.env.MODE).toBe("slow");
  });

  it("keeps the sealed form when the same value is typed again, and reseals a new one", () => {
    expect(sealSecrets(template({ MODE: "fast", TOKEN: "s3cret" }, ["TOKEN"]), stored, box).env.TOKEN).toBe(stored.env.TOKEN);
    const changed = sealSecrets(template({ MODE: "fast", TOKEN: "other" }, ["TOKEN"]), stored, box);
    expect(openSecrets(changed, box).env.TOKEN).toBe("other");
  });

  it("never turns a secret into a plain value unless its value is typed again; seals one that becomes secret", () => {
    expect(() => sealSecrets(template({ MODE: "fast", TOKEN: SECRET_PLACEHOLDER }, []), stored, box)).toThrow("TOKEN is no longer secret: type its value again");
    expect(() => sealSecrets(template({ MODE: "fast", TOKEN: stored.env.TOKEN! }, []), stored, box)).toThrow("TOKEN is no longer secret");
    expect(sealSecrets(template({ MODE: "fast", TOKEN: "now-public" }, []), stored, box).env.TOKEN).toBe("now-public");
    const secret = sealSecrets(template({ MODE: "fast", TOKEN: SECRET_PLACEHOLDER }, ["TOKEN", "MODE"]), stored, box);
    expect(box.isSealed(secret.env.MODE!)).toBe(true);
  });

  it("a secret sealed with a lost key can still be replaced by typing a new value", () => {
    const otherKey = createSecretBox(randomBytes(32));
    const replaced = sealSecrets(template({ MODE: "fast", TOKEN: "fresh" }, ["TOKEN"]), stored, otherKey);
    expect(openSecrets(replaced, otherKey).env.TOKEN).toBe("fresh");
    expect(() => sealSecrets(template({ MODE: "fast", TOKEN: SECRET_PLACEHOLDER }, ["TOKEN"]), stored, otherKey)).not.toThrow(); // kept as stored
  });

  it("refuses a secret too long to store sealed", () => {
    expect(() => sealSecrets(template({ BIG: "x".repeat(16 * 1024 + 1) }, ["BIG"]), undefined, box)).toThrow("secret BIG is too long: at most 16 KiB");
    expect(() => sealSecrets(template({ BIG: "x".repeat(16 * 1024) }, ["BIG"]), undefined, box)).not.toThrow();
  });

  it("refuses the placeholder where nothing is stored", () => {
    expect(() => sealSecrets(template({ NEW: SECRET_PLACEHOLDER }, ["NEW"]), stored, box)).toThrow("NEW needs a value");
    expect(() => sealSecrets(template({ MODE: SECRET_PLACEHOLDER }, []), stored, box)).toThrow("MODE needs a value");
  });

  it("refuses a secret name with no value", () => {
    expect(() => template({ A: "1" }, ["B"])).toThrow("secret B has no value");
  });
});
