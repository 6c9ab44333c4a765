import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { UserError } from "../errors.ts";
import { commands } from "./commands.ts";
import { containerStore } from "./each-container.ts";
import { pruneContainers } from "../container/lifecycle.ts";
import { out } from "./output.ts";
import { join } from "node:path";

export const prune = defineCommand({ // compat-cli: exported for cli/command-tree.ts
  meta: { name: "prune", description: "Remove all stopped containers" },
  async run() {
    const store = containerStore();
    // compat-cli: Docker's report ends with the space the writable layers took, measured before they go.
    const [{ writableLayerSize }, { humanSize }, { currentState }] = await Promise.all([
      import("./writable-layer-size.ts"), import("./human-format.ts"), import("../container/status.ts"),
    ]);
    const stopped = store.list().filter((r) => !currentState(r).running); // the ones prune may remove
    const sizes = new Map(stopped.map((r) => [r.id, writableLayerSize(join(store.dir(r.id), "upper"))]));
    const removed = await pruneContainers(store);
    if (removed.length) out.log(`Deleted Containers:\n${removed.join("\n")}\n`);
    out.log(`Total reclaimed space: ${humanSize(removed.reduce((sum, id) => sum + (sizes.get(id) ?? 0), 0))}`);
    return 0;
  },
});

// Docker's `container <verb>` names for the top-level verbs, plus `container prune`.
export const ALIASES: Record<string, string> = { // compat-cli: exported for cli/command-tree.ts
  ls: "ps", list: "ps", ps: "ps", rm: "rm", remove: "rm", run: "run", create: "create", start: "start", stop: "stop",
  kill: "kill", restart: "restart", wait: "wait", inspect: "inspect", logs: "logs", exec: "exec", pause: "pause",
  unpause: "unpause", rename: "rename", stats: "stats", update: "update",
};
// files: container cp, diff, export, commit
Object.assign(ALIASES, { cp: "cp", diff: "diff", export: "export", commit: "commit" });
// compat: container top
Object.assign(ALIASES, { top: "top" });
// compat-cli: container port (Docker 20.10 has it)
Object.assign(ALIASES, { port: "port" });

const container: CommandDef = defineCommand({
  meta: { name: "container", description: `Manage containers (${[...Object.keys(ALIASES), "prune"].join(", ")})` },
  async run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    const target = name === "prune" ? prune : name && ALIASES[name] && commands[ALIASES[name]!] ? await commands[ALIASES[name]!]!() : undefined;
    if (!target) throw new UserError(`unknown command "container ${name ?? ""}"`);
    if (rest[0] === "--help") {
      await showUsage(target, container);
      return 0;
    }
    // `container inspect` looks at containers only (Docker: "No such container", never an image).
    const args = ALIASES[name!] === "inspect" ? ["--type", "container", ...rest] : rest;
    const { result } = await runCommand(target, { rawArgs: args });
    return typeof result === "number" ? result : 0;
  },
});

export default container;
