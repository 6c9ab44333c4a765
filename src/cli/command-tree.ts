// Every command and management verb minibox has, with its flags, read from the command definitions
// themselves: help, shell completion and docs/compatibility.md are generated from this tree, so they cannot
// drift from what the parser accepts. Loads every command module: for those three uses only, never on `run`.
import type { ArgDef, ArgsDef, CommandDef } from "citty";
import { commands } from "./commands.ts";
import { groupVerbs } from "./command-group.ts";

export interface CommandNode {
  /** "run", "image ls" */
  path: string;
  name: string;
  description: string;
  args: ArgsDef;
  children: CommandNode[];
}

export interface FlagInfo {
  name: string;
  short?: string;
  /** Other long names (`--net` for `--network`) */
  aliases: string[];
  takesValue: boolean;
  description: string;
}

export async function loadCommandTree(): Promise<CommandNode[]> {
  const nodes: CommandNode[] = [];
  for (const [name, load] of Object.entries(commands)) {
    const def = await load();
    nodes.push({ path: name, name, description: descriptionOf(def), args: argsOf(def), children: await verbsOf(name, def) });
  }
  return nodes;
}

/** The node at `path` ("image ls"), or undefined. */
export function findNode(tree: readonly CommandNode[], path: readonly string[]): CommandNode | undefined {
  let level: readonly CommandNode[] = tree;
  let found: CommandNode | undefined;
  for (const part of path) {
    found = level.find((n) => n.name === part);
    if (!found) return undefined;
    level = found.children;
  }
  return found;
}

export function flagsOf(args: ArgsDef): FlagInfo[] {
  const flags: FlagInfo[] = [];
  for (const [name, def] of Object.entries(args) as [string, ArgDef][]) {
    if (def.type === "positional") continue;
    const alias = "alias" in def ? def.alias : undefined;
    const all = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    flags.push({
      name,
      short: all.find((a) => a.length === 1),
      aliases: all.filter((a) => a.length > 1),
      takesValue: def.type !== "boolean",
      description: def.description ?? "",
    });
  }
  return flags.sort((a, b) => a.name.localeCompare(b.name));
}

async function verbsOf(name: string, def: CommandDef): Promise<CommandNode[]> {
  const child = (verb: string, d: { description?: string; args?: ArgsDef }): CommandNode => ({
    path: `${name} ${verb}`, name: verb, description: d.description ?? "", args: d.args ?? {}, children: [],
  });
  const lazyVerbs = groupVerbs(def);
  if (lazyVerbs) {
    const out: CommandNode[] = [];
    for (const [verb, load] of Object.entries(lazyVerbs)) {
      const d = await load();
      out.push(child(verb, { description: descriptionOf(d), args: argsOf(d) }));
    }
    return out;
  }
  if (name === "container") {
    const { ALIASES, prune } = await import("./container.ts");
    const out: CommandNode[] = [];
    for (const [verb, target] of Object.entries(ALIASES)) {
      const d = await commands[target]!();
      out.push(child(verb, { description: descriptionOf(d), args: argsOf(d) }));
    }
    out.push(child("prune", { description: descriptionOf(prune), args: argsOf(prune) }));
    return out;
  }
  if (name === "network") {
    const { networkVerbs } = await import("./network.ts");
    return Object.entries(networkVerbs).map(([verb, d]) => child(verb, d));
  }
  if (name === "builder") {
    const { builderVerbs } = await import("./builder.ts");
    return Object.entries(builderVerbs).map(([verb, d]) => child(verb, d));
  }
  return [];
}

function argsOf(def: CommandDef): ArgsDef {
  return (typeof def.args === "object" && def.args !== null ? def.args : {}) as ArgsDef;
}

/**
 * The one-line description: without the synopsis some definitions append after a colon ("…: run [OPTIONS]
 * IMAGE") and without a group's list of verbs ("Manage images (inspect, prune, …)"); help prints both its own way.
 */
function descriptionOf(def: CommandDef): string {
  const meta = (typeof def.meta === "object" && def.meta !== null ? def.meta : {}) as { description?: string };
  return (meta.description ?? "").replace(/: [a-z][a-z -]*[[A-Z].*$/, "").replace(/ \([a-z, -]+\)$/, "");
}
