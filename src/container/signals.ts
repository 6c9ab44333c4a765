// Signal names and numbers as Docker accepts them: "SIGTERM", "TERM", "term" or "15".
import { constants } from "node:os";
import { UserError } from "../errors.ts";

export function parseSignal(value: string): number {
  if (/^[0-9]+$/.test(value)) {
    const n = Number(value);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = value.toUpperCase().startsWith("SIG") ? value.toUpperCase() : `SIG${value.toUpperCase()}`;
    const n = (constants.signals as Record<string, number>)[name];
    if (n !== undefined) return n;
  }
  throw new UserError(`invalid signal: ${value}`);
}
