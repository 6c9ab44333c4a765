import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { UserError } from "../errors.ts";
import { commands } from "./commands.ts";

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
// compat-run: container attach
Object.assign(ALIASES, { attach: "attach" });

import containerPrune from "./container-prune.ts";
/** compat-cli: cli/command-tree.ts lists it. */
export const prune = containerPrune as CommandDef;

const container: CommandDef = defineCommand({
  meta: { name: "container", description: `Manage containers (${[...Object.keys(ALIASES), "prune"].join(", ")})` },
  async run({ rawArgs }) {
    const [name, ...rest] = rawArgs;
    const target = name === "prune" ? await import("./container-prune.ts").then((m) => m.default as CommandDef) : name && ALIASES[name] && commands[ALIASES[name]!] ? await commands[ALIASES[name]!]!() : undefined;
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
