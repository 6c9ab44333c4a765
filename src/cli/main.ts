import { defineCommand, runCommand, showUsage, type CommandDef } from "citty";
import { out as consola } from "./output.ts";
import { commands } from "./commands.ts";
import { describeError, exitCodeOf } from "./report.ts";

const root = defineCommand({
  meta: { name: "minibox", version: "0.1.0", description: "A daemonless, Docker-compatible container engine" },
  subCommands: commands,
});

/** Runs the CLI and returns the process exit code; never calls process.exit itself. */
export async function cliMain(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    await showUsage(root);
    return name ? 0 : 1;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    console.log("minibox version 0.1.0");
    return 0;
  }
  const load = commands[name];
  if (!load) {
    consola.error(`unknown command "${name}" for "minibox" (see 'minibox --help')`);
    return 125;
  }
  const sub: CommandDef = await load();
  if (rest[0] === "--help") {
    await showUsage(sub, root);
    return 0;
  }
  try {
    // monitor area: the store is private to its owner (docs/security.md); loaded lazily, as every command is
    const [{ storeRoot }, { secureStore }] = await Promise.all([import("../image/store.ts"), import("../state/store-permissions.ts")]);
    secureStore(storeRoot());
    const { result } = await runCommand(sub, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  } catch (error) {
    consola.error(describeError(error));
    return exitCodeOf(error);
  }
}
