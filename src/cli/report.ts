import { EXIT, UserError } from "../errors.ts";
import { SyscallError } from "../sys/errno.ts";
import { ArgvError } from "./argv.ts";

/** One line for the user; a stack only when MINIBOX_DEBUG is set. */
export function describeError(error: unknown): string {
  if (process.env.MINIBOX_DEBUG && error instanceof Error && error.stack) return error.stack;
  if (error instanceof Error) return error.message.split("\n")[0]!;
  return String(error);
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UserError) return error.exitCode;
  if (error instanceof ArgvError || error instanceof SyscallError) return EXIT.ENGINE;
  return EXIT.ENGINE;
}
