import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { UserError } from "../errors.ts";
import { strictFlags } from "./strict-flags.ts";

// compat: every image subcommand refuses unknown flags (strictFlags is a no-op for those using splitArgv)
const sub = (load: () => Promise<{ default: unknown }>) => () => load().then((m) => strictFlags(m.default as CommandDef));

// `minibox image <command>`: Docker's management-command names, each loaded only when used.
const subCommands: Record<string, () => Promise<CommandDef>> = {
  inspect: sub(() => import("./image-inspect.ts")),
  prune: sub(() => import("./image-prune.ts")),
  ls: sub(() => import("./images.ts")),
  list: sub(() => import("./images.ts")),
  rm: sub(() => import("./rmi.ts")),
  pull: sub(() => import("./pull.ts")),
  push: sub(() => import("./push.ts")),
  save: sub(() => import("./save.ts")),
  load: sub(() => import("./load.ts")),
  tag: sub(() => import("./tag.ts")),
  import: sub(() => import("./import.ts")),
  // files: image history
  history: sub(() => import("./history.ts")),
};

const image: CommandDef = defineCommand({
  meta: { name: "image", description: `Manage images (${Object.keys(subCommands).join(", ")})` },
  // Dispatched here rather than through citty's subCommands, which drop the subcommand's exit code.
  async run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    const load = name === undefined ? undefined : subCommands[name];
    if (!load) throw new UserError(`unknown command "image ${name ?? ""}" (one of: ${Object.keys(subCommands).join(", ")})`);
    const cmd = await load();
    if (rest[0] === "--help") {
      await showUsage(cmd, image);
      return 0;
    }
    const { result } = await runCommand(cmd, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  },
});

export default image;
