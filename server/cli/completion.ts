import { usageError } from "./exit-codes";

/** A command as completion sees it: its words, options, and where a service name goes. */
export type CompletionCommand = {
  name: string;
  description: string;
  options: string[];
  /** Words after the command (subcommands, resource kinds, shells). */
  words: string[];
  /** Service names complete after `words` (`plain`), or as `name=` (`assign`, for scale). */
  services?: "plain" | "assign";
};

export const shells = ["bash", "zsh"] as const;
export type Shell = (typeof shells)[number];

export function parseShell(raw: string): Shell {
  if ((shells as readonly string[]).includes(raw)) return raw as Shell;
  throw usageError(`completion is for ${shells.join(" or ")}, not ${raw}`);
}

const SERVICES = "gantry get services -o name 2>/dev/null";
const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

export function completionScript(shell: Shell, commands: readonly CompletionCommand[]): string {
  return shell === "bash" ? bash(commands) : zsh(commands);
}

function bash(commands: readonly CompletionCommand[]): string {
  const cases = commands
    .map((c) => {
      const services =
        c.services === "assign"
          ? `compopt -o nospace 2>/dev/null; COMPREPLY=( $(compgen -W "$(${SERVICES} | sed 's/$/=/')" -- "$cur") )`
          : c.services === "plain"
            ? `COMPREPLY=( $(compgen -W "$(${SERVICES})" -- "$cur") )`
            : "";
      const branches = [
        `if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W ${quote(c.options.join(" "))} -- "$cur") )`,
        c.words.length > 0 ? `elif [[ $COMP_CWORD -eq 2 ]]; then COMPREPLY=( $(compgen -W ${quote(c.words.join(" "))} -- "$cur") )` : "",
        services ? `else ${services}` : "",
        "fi",
      ].filter(Boolean);
      return `    ${c.name})\n      ${branches.join("\n      ")}\n      ;;`;
    })
    .join("\n");
  return `# gantry completion for bash. Load it with:  source <(gantry completion bash)
_gantry() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W ${quote(commands.map((c) => c.name).join(" "))} -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
}
complete -F _gantry gantry
`;
}

function zsh(commands: readonly CompletionCommand[]): string {
  const described = commands.map((c) => `    ${quote(`${c.name}:${c.description.replace(/:/g, "\\:")}`)}`).join("\n");
  const cases = commands
    .map((c) => {
      const services = c.services === "assign" ? "_gantry_services -S =" : c.services === "plain" ? "_gantry_services" : "";
      const branches = [
        `if [[ $PREFIX == -* ]]; then compadd -- ${c.options.map(quote).join(" ")}`,
        c.words.length > 0 ? `elif (( CURRENT == 3 )); then compadd -- ${c.words.map(quote).join(" ")}` : "",
        services ? `else ${services}` : "",
        "fi",
      ].filter(Boolean);
      return `    ${c.name})\n      ${branches.join("\n      ")}\n      ;;`;
    })
    .join("\n");
  return `#compdef gantry
# gantry completion for zsh. Load it with:  source <(gantry completion zsh)
# (after compinit), or save it as _gantry in a directory of your $fpath.
_gantry_services() {
  local -a names
  names=(\${(f)"$(${SERVICES})"})
  compadd "$@" -- $names
}
_gantry() {
  if (( CURRENT == 2 )); then
    local -a commands
    commands=(
${described}
    )
    _describe command commands
    return
  fi
  case $words[2] in
${cases}
  esac
}
if [[ "\${funcstack[1]}" == _gantry ]]; then
  _gantry "$@"
else
  compdef _gantry gantry
fi
`;
}
