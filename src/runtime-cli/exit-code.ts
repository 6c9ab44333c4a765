// A child's exit as a shell reports it: its code, or 128+N after signal N.
import { constants } from "node:os";
import type { Subprocess } from "bun";

export async function exitCodeOf(child: Subprocess): Promise<number> {
  const code = await child.exited;
  const signal = child.signalCode;
  if (!signal) return code;
  const n = typeof signal === "number" ? signal : constants.signals[signal as keyof typeof constants.signals];
  return 128 + (typeof n === "number" ? n : 0);
}
