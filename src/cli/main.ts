import { runCommand, type CommandDef } from "citty";
import { CLOSED_OUTPUT_EXIT, ClosedOutputError, out as consola, writeStdout } from "./output.ts";
import { commands } from "./commands.ts";
import { commandPath, describeError, exitCodeOf } from "./report.ts";

/** Runs the CLI and returns the process exit code; never calls process.exit itself. */
export async function cliMain(rawArgv: string[]): Promise<number> {
  const argv = withoutGlobalFlags(rawArgv);
  const [name, ...rest] = argv;
  const helpPath = helpRequest(argv);
  if (helpPath) return showHelp(helpPath);
  if (name === "--version" || name === "-v") { // compat: `version` is a command (Client/Server, --format)
    return print("minibox version 0.1.0\n", 0);
  }
  const load = Object.hasOwn(commands, name!) ? commands[name!] : undefined; // not `toString` & co.
  if (!load) {
    // Docker's own words and status (cmd/docker/docker.go: a plain error, exit 1)
    consola.error(`'${name}' is not a minibox command. See 'minibox --help'`);
    return 1;
  }
  const sub: CommandDef = await load();
  try {
    // monitor area: the store is private to its owner (docs/security.md); loaded lazily, as every command is
    const [{ storeRoot }, { secureStore }] = await Promise.all([import("../image/store.ts"), import("../state/store-permissions.ts")]);
    secureStore(storeRoot());
    const { result } = await runCommand(sub, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  } catch (error) {
    // The reader of stdout went away (`minibox ps | head -1`): quiet, like a tool killed by SIGPIPE.
    if (error instanceof ClosedOutputError) return CLOSED_OUTPUT_EXIT;
    consola.error(describeError(error));
    return exitCodeOf(error, commandPath(argv));
  }
}

/**
 * Docker's global flags that change nothing here (`docker -D ps`, `--log-level debug`): accepted and dropped,
 * so that scripts written for docker run unchanged.
 */
function withoutGlobalFlags(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === "-D" || arg === "--debug" || /^--log-level=/.test(arg)) i++;
    else if ((arg === "-l" || arg === "--log-level") && i + 1 < argv.length) i += 2;
    else break;
  }
  return i === 0 ? argv : argv.slice(i);
}

const isHelpFlag = (arg: string | undefined) => arg === "--help" || arg === "-h";
const GROUPS = new Set(["container", "image", "network", "volume", "system", "builder"]);
// The words after these commands' image or container belong to the container's command (`run busybox ls --help`).
const PASSES_ARGS = new Set(["run", "create", "exec"]);

/** The command path whose help the user asks for (`help run`, `run --help`, `image ls -h`, `image`), if any. */
function helpRequest(argv: readonly string[]): string[] | undefined {
  const [name, ...rest] = argv;
  if (name === undefined || isHelpFlag(name)) return [];
  if (name === "help") return [...rest];
  if (!Object.hasOwn(commands, name)) return undefined;
  if (GROUPS.has(name)) {
    if (rest.length === 0 || isHelpFlag(rest[0])) return [name];
    return rest.slice(1).includes("--help") || (rest.length === 2 && rest[1] === "-h") ? [name, rest[0]!] : undefined;
  }
  if (PASSES_ARGS.has(name)) return rest[0] === "--help" || (rest.length === 1 && rest[0] === "-h") ? [name] : undefined;
  const beforeDashes = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  return beforeDashes.includes("--help") || (rest.length === 1 && rest[0] === "-h") ? [name] : undefined;
}

/** Help goes to stdout with exit 0; an unknown topic is one line and 1 (help is loaded only here). */
async function showHelp(path: string[]): Promise<number> {
  const { renderHelp } = await import("./help.ts");
  const text = await renderHelp(path);
  if (text === undefined) {
    consola.error(`unknown help topic: ${path.join(" ")} (see 'minibox --help')`);
    return 1;
  }
  return print(text, 0);
}

/** Usage and version text; `code` unless the reader has gone (output.ts). */
function print(text: string, code: number): number {
  try {
    writeStdout(text);
    return code;
  } catch (error) {
    if (error instanceof ClosedOutputError) return CLOSED_OUTPUT_EXIT;
    throw error;
  }
}
