import { EXIT, UserError } from "../errors.ts";
import { ArgvError } from "./argv.ts";

/** One line for the user; a stack only when MINIBOX_DEBUG is set. */
export function describeError(error: unknown): string {
  if (process.env.MINIBOX_DEBUG && error instanceof Error && error.stack) return error.stack;
  if (error instanceof Error) return error.message.split("\n")[0]!;
  return String(error);
}

/**
 * Commands whose own failures are Docker's 125 ("the engine could not run the container"; docker/cli
 * cli/command/container/run.go and create.go). Every other command fails with 1 (cmd/docker/docker.go exits 1
 * for any error that is not a StatusError), except for flag errors, which are 125 everywhere (cli/cobra.go).
 */
const RUN_LIKE = new Set(["run", "create", "container run", "container create"]);

/** The command's name as Docker's table knows it: `container run` for a management command's verb. */
export function commandPath(argv: readonly string[]): string {
  const [name = "", verb] = argv;
  return verb !== undefined && !verb.startsWith("-") && MANAGEMENT.has(name) ? `${name} ${verb}` : name;
}

const MANAGEMENT = new Set(["container", "image", "network", "volume", "system", "builder"]);

/** pflag's wording for a value its typed flag cannot hold (`-t abc`), which docker/cli reports as a flag error. */
const FLAG_VALUE_ERROR = /^invalid argument ".*" for "[^"]+" flag: /s;

export function exitCodeOf(error: unknown, command: string): number {
  if (error instanceof ArgvError || (error instanceof UserError && FLAG_VALUE_ERROR.test(error.message))) return EXIT.ENGINE;
  const code = error instanceof UserError ? error.exitCode : EXIT.ENGINE;
  // 126/127 (the container's command could not be executed) and explicit codes pass through.
  return code === EXIT.ENGINE && !RUN_LIKE.has(command) ? 1 : code;
}
