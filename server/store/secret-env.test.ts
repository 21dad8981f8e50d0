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

  it("reveals a value that stops being secret, and seals one that becomes secret", () => {
    const unsecret = sealSecrets(template({ MODE: "fast", TOKEN: SECRET_PLACEHOLDER }, []), stored, box);
    expect(unsecret.env.TOKEN).toBe("s3cret");
    const secret = sealSecrets(template({ MODE: "fast", TOKEN: SECRET_PLACEHOLDER }, ["TOKEN", "MODE"]), stored, box);
    expect(box.isSealed(secret.env.MODE!)).toBe(true);
  });

  it("refuses the placeholder where nothing is stored", () => {
    expect(() => sealSecrets(template({ NEW: SECRET_PLACEHOLDER }, ["NEW"]), stored, box)).toThrow("NEW needs a value");
    expect(() => sealSecrets(template({ MODE: SECRET_PLACEHOLDER }, []), stored, box)).toThrow("MODE needs a value");
  });

  it("refuses a secret name with no value", () => {
    expect(() => template({ A: "1" }, ["B"])).toThrow("secret B has no value");
  });
});
