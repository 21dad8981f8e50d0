/**
 * Splits a command line into argv the way a POSIX shell would for plain words and quotes
 * ('…', "…", backslash escapes), without expanding anything. Throws on an unclosed quote.
 */
export function splitCommandLine(line: string): string[] {
  const argv: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && (line[i + 1] === '"' || line[i + 1] === "\\")) current += line[++i];
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === "\\" && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) argv.push(current);
      current = "";
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote`);
  if (inWord) argv.push(current);
  return argv;
}

/** The inverse, quoting only the words that need it. */
export function joinCommandLine(argv: string[]): string {
  return argv.map((word) => (word !== "" && /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** Words for a shell: quoted only where the shell would split or act on them, so $PORT or ${HOME} expand. */
export function joinShellWords(argv: string[]): string {
  return argv.map((word) => (word !== "" && /^[\w@%+=:,./${}-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** What an instance template runs, as a person would type it: a shell script shows as /bin/sh -c '…', a container its image first. */
export function commandText(template: { runtime: string; image: string | null; command: string; args: string[]; shell: boolean }): string {
  const line = !template.command ? "" : joinCommandLine(template.shell ? ["/bin/sh", "-c", template.command, ...template.args] : [template.command, ...template.args]);
  if (template.runtime !== "docker") return line;
  return `${template.image} · ${line || "(the image's command)"}`;
}
