import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importProcfile } from "./import-procfile";
import { parseConfig } from "./parse";

/** Imports a Procfile and reads the result back as gantry.yaml: every import must apply. */
function imported(text: string) {
  const result = importProcfile(text);
  return { ...result, services: parseConfig(result.yaml).config.services };
}

describe("importProcfile", () => {
  const result = imported(fs.readFileSync(path.join(import.meta.dirname, "fixtures", "Procfile"), "utf8"));

  it("makes each process type a process service running its shell line; only web listens", () => {
    expect(Object.keys(result.services)).toEqual(["clock-tick", "web", "worker"]);
    expect(result.services.web).toMatchObject({ runtime: "process", command: "bundle exec puma -C config/puma.rb -p $PORT", shell: true, listens: true });
    expect(result.services.worker).toMatchObject({ runtime: "process", command: "bundle exec sidekiq -q default -q mailers", shell: true, listens: false });
    expect(result.services["clock-tick"]!.listens).toBe(false);
  });

  it("skips comments and blank lines, and lists the release phase, malformed lines and renamed process types", () => {
    expect(result.untranslated).toEqual([
      "line 5: release runs once per deploy on Heroku, not as a service; not imported",
      'line 7: "this line has no name" is not `name: command`',
      "clock_tick: renamed clock-tick (service names are DNS labels: lowercase letters, digits and '-')",
    ]);
    expect(result.yaml.split("\n").slice(0, 5)).toEqual([
      "# gantry.yaml imported from Procfile by `gantry import procfile`: review it before applying.",
      "# Not translated:",
      "#   - line 5: release runs once per deploy on Heroku, not as a service; not imported",
      '#   - line 7: "this line has no name" is not `name: command`',
      "#   - clock_tick: renamed clock-tick (service names are DNS labels: lowercase letters, digits and '-')",
    ]);
  });

  it("reads CRLF line endings, keeps the first of a name given twice and lists a name with no command", () => {
    const { services, untranslated } = imported("web: node server.js\r\nweb: node other.js\r\nworker:\r\n");
    expect(Object.keys(services)).toEqual(["web"]);
    expect(services.web!.command).toBe("node server.js");
    expect(untranslated).toEqual(["line 2: web is defined again; the first one is kept", 'line 3: "worker:" is not `name: command`']);
  });

  it("an empty Procfile is an empty file that still applies", () => {
    const { services, yaml } = imported("# nothing yet\n");
    expect(services).toEqual({});
    expect(yaml).toBe("# gantry.yaml imported from Procfile by `gantry import procfile`: review it before applying.\n# Everything in it was translated.\nversion: 1\n");
  });
});
