import { defineCommand, renderUsage, runCommand, type CommandDef } from "citty";
import { CLOSED_OUTPUT_EXIT, ClosedOutputError, out as consola, writeStdout } from "./output.ts";
import { commands } from "./commands.ts";
import { commandPath, describeError, exitCodeOf } from "./report.ts";

const root = defineCommand({
  meta: { name: "minibox", version: "0.1.0", description: "A daemonless, Docker-compatible container engine" },
  subCommands: commands,
});

/** Runs the CLI and returns the process exit code; never calls process.exit itself. */
export async function cliMain(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    return print(`${await renderUsage(root)}\n`, name ? 0 : 1);
  }
  if (name === "--version" || name === "-v") { // compat: `version` is a command (Client/Server, --format)
    return print("minibox version 0.1.0\n", 0);
  }
  const load = commands[name];
  if (!load) {
    // Docker's own words and status (cmd/docker/docker.go: a plain error, exit 1)
    consola.error(`'${name}' is not a minibox command. See 'minibox --help'`);
    return 1;
  }
  const sub: CommandDef = await load();
  if (rest[0] === "--help") {
    return print(`${await renderUsage(sub, root)}\n`, 0);
  }
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
