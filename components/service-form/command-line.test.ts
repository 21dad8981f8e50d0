import { describe, expect, it } from "vitest";
import { joinCommandLine, splitCommandLine } from "./command-line";

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
