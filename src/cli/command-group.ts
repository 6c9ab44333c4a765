// A management command (`image`, `volume`, `system`, …) that dispatches to subcommands loaded on demand.
// Dispatched by hand rather than through citty's subCommands, which drop the subcommand's exit code. Every
// subcommand refuses unknown flags (citty alone would ignore them).
import { defineCommand, runCommand, type CommandDef } from "citty";
import { UserError } from "../errors.ts";
import { strictFlags } from "./strict-flags.ts";

export type LazyCommand = () => Promise<CommandDef>;

/** A subcommand loaded from its module's default export when first used. */
export const lazy = (load: () => Promise<{ default: unknown }>): LazyCommand => () => load().then((m) => m.default as CommandDef);

/** Each group's verbs, for help, completion and the compatibility doc (command-tree.ts). */
const verbsOfGroup = new WeakMap<CommandDef, Record<string, LazyCommand>>();

export function groupVerbs(group: CommandDef): Record<string, LazyCommand> | undefined {
  return verbsOfGroup.get(group);
}

export function defineCommandGroup(name: string, description: string, subCommands: Record<string, LazyCommand>): CommandDef {
  const group: CommandDef = defineCommand({
    meta: { name, description: `${description} (${Object.keys(subCommands).join(", ")})` },
    async run({ rawArgs }) {
      const [sub, ...rest] = rawArgs;
      const load = sub === undefined ? undefined : subCommands[sub];
      if (!load) throw new UserError(`unknown command "${name} ${sub ?? ""}" (one of: ${Object.keys(subCommands).join(", ")})`);
      const cmd = strictFlags(await load());
      if (rest[0] === "--help") {
        // cli/main.ts answers help before dispatching; this is for a caller that dispatches directly.
        const [{ renderHelp }, { writeStdout }] = await Promise.all([import("./help.ts"), import("./output.ts")]);
        writeStdout((await renderHelp([name, sub!])) ?? "");
        return 0;
      }
      const { result } = await runCommand(cmd, { rawArgs: rest });
      return typeof result === "number" ? result : 0;
    },
  });
  verbsOfGroup.set(group, subCommands);
  return group;
}
