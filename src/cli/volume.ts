import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { UserError } from "../errors.ts";

const sub = (load: () => Promise<{ default: unknown }>) => () => load().then((m) => m.default as CommandDef);

// `minibox volume <command>`: Docker's names, each loaded only when used.
const subCommands: Record<string, () => Promise<CommandDef>> = {
  create: sub(() => import("./volume-create.ts")),
  ls: sub(() => import("./volume-ls.ts")),
  list: sub(() => import("./volume-ls.ts")),
  inspect: sub(() => import("./volume-inspect.ts")),
  rm: sub(() => import("./volume-rm.ts")),
  remove: sub(() => import("./volume-rm.ts")),
  prune: sub(() => import("./volume-prune.ts")),
};

const volume: CommandDef = defineCommand({
  meta: { name: "volume", description: `Manage volumes (${Object.keys(subCommands).join(", ")})` },
  // Dispatched here rather than through citty's subCommands, which drop the subcommand's exit code.
  async run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    const load = name === undefined ? undefined : subCommands[name];
    if (!load) throw new UserError(`unknown command "volume ${name ?? ""}" (one of: ${Object.keys(subCommands).join(", ")})`);
    const cmd = await load();
    if (rest[0] === "--help") {
      await showUsage(cmd, volume);
      return 0;
    }
    const { result } = await runCommand(cmd, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  },
});

export default volume;
