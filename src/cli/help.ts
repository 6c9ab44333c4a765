// `minibox help [COMMAND]`, `COMMAND --help`: Docker's layout (Usage, description, Options or Commands,
// Examples), rendered from the command definitions (command-tree.ts) with Docker 20.10's synopsis where
// Docker has the command (docker-reference.json). Plain text: no colour escapes, whatever the terminal.
import { findNode, flagsOf, loadCommandTree, type CommandNode } from "./command-tree.ts";
import { EXAMPLES } from "./help-examples.ts";
import reference from "./docker-reference.json";

interface DockerFlag { name: string; type?: string }
interface DockerCommand { usage: string; flags: DockerFlag[] }
const DOCKER = reference.commands as Record<string, DockerCommand>;

import { invokedProgram } from "./invoked-name.ts";

const PROGRAM = invokedProgram();
const MANAGEMENT = new Set(["container", "image", "network", "volume", "system", "builder"]);

/** Docker's entry for a path, with minibox's alias verbs (`image list`) read as Docker's (`image ls`). */
export function dockerCommand(path: string): DockerCommand | undefined {
  return DOCKER[path] ?? DOCKER[path.replace(/ (list|ps)$/, " ls").replace(/ remove$/, " rm")];
}

/** Help for `path` (empty: the whole CLI); undefined when there is no such command. */
export async function renderHelp(path: readonly string[]): Promise<string | undefined> {
  const tree = await loadCommandTree();
  if (path.length === 0) return renderRoot(tree);
  const node = findNode(tree, path);
  if (!node) return undefined;
  return node.children.length > 0 ? renderGroup(node) : renderCommand(node);
}

function renderRoot(tree: readonly CommandNode[]): string {
  const management = tree.filter((n) => MANAGEMENT.has(n.name)).sort(byName);
  const others = tree.filter((n) => !MANAGEMENT.has(n.name)).sort(byName);
  return [
    `Usage:  ${PROGRAM} [OPTIONS] COMMAND`,
    "",
    "A daemonless, Docker-compatible container engine",
    "",
    "Options:",
    ...columns([["-h, --help", "Print usage"], ["-v, --version", "Print version information and quit"]]),
    "",
    "Management Commands:",
    ...columns(management.map((n) => [n.name, n.description])),
    "",
    "Commands:",
    ...columns(others.map((n) => [n.name, n.description])),
    "",
    `Run '${PROGRAM} COMMAND --help' for more information on a command.`,
    "",
  ].join("\n");
}

function renderGroup(node: CommandNode): string {
  return [
    `Usage:  ${PROGRAM} ${node.path} COMMAND`,
    "",
    node.description,
    "",
    "Commands:",
    ...columns(withoutAliases(node.children).sort(byName).map((c) => [c.name, c.description])),
    "",
    `Run '${PROGRAM} ${node.path} COMMAND --help' for more information on a command.`,
    "",
  ].join("\n");
}

function renderCommand(node: CommandNode): string {
  const docker = dockerCommand(node.path);
  const flags = flagsOf(node.args);
  // Docker's reference pages print pflag's old "value" where its binary says "list".
  const typeOf = (name: string) => (docker?.flags.find((f) => f.name === name)?.type ?? "string").replace(/^value$/, "list");
  const rows = flags.map((f) => [
    `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.takesValue ? ` ${typeOf(f.name)}` : ""}`,
    f.description + (f.aliases.length ? ` (also --${f.aliases.join(", --")})` : ""),
  ]);
  const examples = EXAMPLES[node.path] ?? EXAMPLES[node.name] ?? [];
  return [
    `Usage:  ${PROGRAM} ${docker?.usage ?? ownUsage(node, flags.length > 0)}`,
    "",
    node.description,
    ...(rows.length ? ["", "Options:", ...columns(rows)] : []),
    ...(examples.length ? ["", "Examples:", ...examples.map((e) => `  ${PROGRAM} ${e}`)] : []),
    "",
  ].join("\n");
}

/** A synopsis for a command Docker does not have: its flags, then its positional arguments. */
function ownUsage(node: CommandNode, hasFlags: boolean): string {
  const positionals = Object.entries(node.args).filter(([, d]) => d.type === "positional");
  const words = positionals.map(([name, d]) => ("required" in d && d.required === false ? `[${name.toUpperCase()}]` : name.toUpperCase()));
  return [node.path, ...(hasFlags ? ["[OPTIONS]"] : []), ...words].join(" ");
}

/** Docker lists `ls` and `rm` once; their aliases (`list`, `ps`, `remove`) are not repeated. */
function withoutAliases(verbs: readonly CommandNode[]): CommandNode[] {
  const names = new Set(verbs.map((v) => v.name));
  const aliasOf: Record<string, string> = { list: "ls", ps: "ls", remove: "rm" };
  return verbs.filter((v) => !(aliasOf[v.name] && names.has(aliasOf[v.name]!)));
}

function byName(a: CommandNode, b: CommandNode): number {
  return a.name.localeCompare(b.name);
}

/** Two aligned columns, Docker's indent. */
function columns(rows: string[][], indent = 2): string[] {
  const width = Math.max(0, ...rows.map((r) => r[0]!.length)) + 3;
  return rows.map(([left, right]) => `${" ".repeat(indent)}${left!.padEnd(width)}${right ?? ""}`.trimEnd());
}
