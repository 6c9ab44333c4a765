// `minibox completion bash|zsh|fish`: the completion script for that shell, generated from the command
// definitions at run time (completion-scripts.ts), so it never drifts from the CLI.
import { defineCommand } from "citty";
import { UserError } from "../errors.ts";
import { writeStdout } from "./output.ts";

export default defineCommand({
  meta: { name: "completion", description: "Print a shell completion script for bash, zsh or fish" },
  args: {
    shell: { type: "positional", required: false, description: "bash, zsh or fish" },
  },
  async run({ args, rawArgs }) {
    const [{ SHELLS, completionScript }, { loadCommandTree }, { invokedProgram }] = await Promise.all([
      import("./completion-scripts.ts"), import("./command-tree.ts"), import("./invoked-name.ts"),
    ]);
    const shell = args.shell === undefined ? undefined : String(args.shell);
    if (rawArgs.filter((a) => !a.startsWith("-")).length !== 1 || !(SHELLS as readonly string[]).includes(shell ?? "")) {
      throw new UserError(`"completion" requires exactly 1 argument: completion ${SHELLS.join("|")}`);
    }
    writeStdout(completionScript(shell as (typeof SHELLS)[number], await loadCommandTree(), invokedProgram()));
    return 0;
  },
});
