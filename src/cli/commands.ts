import type { CommandDef } from "citty";

// Lazy so that `minibox run` does not parse the code of every other command.
export const commands: Record<string, () => Promise<CommandDef>> = {
  run: () => import("./run.ts").then((m) => m.default as CommandDef),
};
