import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installationId } from "./installation-id";

describe("installationId", () => {
  it("is made once and read back the same, and replaced when the file holds something else", () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-installation-"));
    const first = installationId(dataDir);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(installationId(dataDir)).toBe(first);
    expect(fs.statSync(path.join(dataDir, "installation-id")).mode & 0o777).toBe(0o600);
    fs.writeFileSync(path.join(dataDir, "installation-id"), "edited by hand");
    const replaced = installationId(dataDir);
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced).not.toBe(first);
  });
});
