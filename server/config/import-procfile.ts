import { checkedService, importedFile, serviceNames, type ImportResult } from "./imported-file";
import type { FileService } from "./schema";

// Procfile → gantry.yaml. Each `name: command` line is a process type; its command is a shell line
// (Heroku and foreman run it with sh -c), so it becomes a process service with shell: true. Only
// `web` receives traffic there, so only `web` listens (on PORT, which both Heroku and Gantry set).

/** A process type's name, as Heroku reads it. */
const LINE = /^([A-Za-z0-9_-]+):\s*(.*)$/;

/**
 * Reads a Procfile into a gantry.yaml. Comments and blank lines are skipped; a line that is not
 * `name: command`, a name given twice and Heroku's `release` phase (a one-off, not a service) are
 * listed in `untranslated`.
 */
export function importProcfile(text: string, fileName = "Procfile"): ImportResult {
  const untranslated: string[] = [];
  const processes: Array<{ name: string; command: string }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    if (line === "" || line.startsWith("#")) return;
    const match = LINE.exec(line);
    if (!match || match[2]!.trim() === "") {
      untranslated.push(`${where}: ${JSON.stringify(line)} is not \`name: command\``);
      return;
    }
    const [, name, command] = match as unknown as [string, string, string];
    if (name === "release") untranslated.push(`${where}: release runs once per deploy on Heroku, not as a service; not imported`);
    else if (processes.some((process) => process.name === name)) untranslated.push(`${where}: ${name} is defined again; the first one is kept`);
    else processes.push({ name, command: command.trim() });
  });

  const { names, notes } = serviceNames(processes.map((process) => process.name));
  untranslated.push(...notes);
  const services = new Map<string, FileService>();
  for (const { name, command } of processes) {
    services.set(names.get(name)!, checkedService(name, { command, shell: true, listens: name === "web" }, untranslated));
  }
  return importedFile({ file: fileName, command: "gantry import procfile" }, services, untranslated);
}
