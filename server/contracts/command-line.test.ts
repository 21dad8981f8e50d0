import { describe, expect, it } from "vitest";
import { commandText, joinCommandLine, joinShellWords, splitCommandLine } from "./command-line";

describe("splitCommandLine", () => {
  it.each([
    ["node server.js", ["node", "server.js"]],
    ["  node   server.js  ", ["node", "server.js"]],
    [`python -c 'print("hi there")'`, ["python", "-c", `print("hi there")`]],
    [`echo "a \\"quoted\\" word" ''`, ["echo", `a "quoted" word`, ""]],
    ["ls my\\ dir", ["ls", "my dir"]],
    ["echo $HOME", ["echo", "$HOME"]],
  ])("%s", (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it("refuses an unclosed quote", () => {
    expect(() => splitCommandLine(`echo "oops`)).toThrow('unclosed " quote');
  });

  it("round-trips through joinCommandLine", () => {
    const argv = ["node", "app.js", "--name", "two words", "it's", ""];
    expect(splitCommandLine(joinCommandLine(argv))).toEqual(argv);
  });
});

describe("shell words", () => {
  it("leaves variable references bare so the shell expands them, and quotes what it would split or act on", () => {
    expect(joinShellWords(["node", "server.js", "--port", "$PORT", "${HOME}/x", "two words", "a;b"])).toBe(`node server.js --port $PORT \${HOME}/x 'two words' 'a;b'`);
  });

  it("shows a shell script as /bin/sh -c, so revisions differing only in the shell flag look different", () => {
    const process = { runtime: "process", image: null };
    expect(commandText({ ...process, command: "echo $PORT", args: [], shell: true })).toBe(`/bin/sh -c 'echo $PORT'`);
    expect(commandText({ ...process, command: "echo", args: ["$PORT"], shell: false })).toBe(`echo '$PORT'`);
    // A container shows its image, then what it runs.
    const container = { runtime: "docker", image: "nginx:1.27" };
    expect(commandText({ ...container, command: "", args: [], shell: false })).toBe("nginx:1.27 · (the image's command)");
    expect(commandText({ ...container, command: "httpd", args: ["-f", "-p", "$PORT"], shell: false })).toBe("nginx:1.27 · httpd -f -p '$PORT'");
  });
});
