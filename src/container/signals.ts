// The one signal table: names and numbers as Docker accepts them ("SIGTERM", "TERM", "term", "15",
// "RTMIN+3"), for `kill -s`, `--stop-signal`, an image's STOPSIGNAL, and what `run`/`exec` forward.
import { constants } from "node:os";
import { UserError } from "../errors.ts";

/** Linux's signal numbers (x86_64/arm64), by name without "SIG". */
const BY_NAME = new Map<string, number>(
  Object.entries(constants.signals as Record<string, number>).map(([name, n]) => [name.slice(3), n]),
);
const SIGRTMIN = 34;
const SIGRTMAX = 64;

export class InvalidSignalError extends UserError {
  constructor(value: string) {
    super(`invalid signal: ${value}`);
  }
}

/** The signal's number; InvalidSignalError for anything Docker would refuse or Linux does not have. */
export function parseSignal(value: string): number {
  if (/^[0-9]{1,3}$/.test(value)) {
    const n = Number(value);
    if (n >= 1 && n <= SIGRTMAX) return n;
    throw new InvalidSignalError(value);
  }
  const upper = value.toUpperCase();
  const name = upper.startsWith("SIG") ? upper.slice(3) : upper;
  const n = BY_NAME.get(name) ?? realtime(name);
  if (n === undefined) throw new InvalidSignalError(value);
  return n;
}

/** RTMIN, RTMIN+n, RTMAX-n, RTMAX (Docker's names for the real-time signals). */
function realtime(name: string): number | undefined {
  const m = /^RT(MIN|MAX)(?:([+-])([0-9]{1,2}))?$/.exec(name);
  if (!m) return undefined;
  const offset = m[3] === undefined ? 0 : Number(m[3]);
  if (m[1] === "MIN" && m[2] !== "-") return SIGRTMIN + offset <= SIGRTMAX ? SIGRTMIN + offset : undefined;
  if (m[1] === "MAX" && m[2] !== "+") return SIGRTMAX - offset >= SIGRTMIN ? SIGRTMAX - offset : undefined;
  return undefined;
}

/**
 * An image's STOPSIGNAL as the container keeps it: undefined (so SIGTERM, Docker's fallback at stop) when
 * it cannot be read. A --stop-signal flag is refused instead, by parseSignal, before anything is created.
 */
export function imageStopSignal(stopSignal: string | undefined): string | undefined {
  if (stopSignal === undefined || stopSignal === "") return undefined;
  try {
    parseSignal(stopSignal);
    return stopSignal;
  } catch (e) {
    if (e instanceof InvalidSignalError) return undefined;
    throw e;
  }
}

/**
 * The signals that `run` and `exec` relay to the container's process, as Docker's sig-proxy does: all
 * that Bun can catch (process.on) except
 *   KILL, STOP     cannot be caught;
 *   CHLD           about our own children;
 *   PIPE           Bun ignores it, and our writes to a closed stdout report EPIPE (cli/output.ts);
 *   WINCH          a terminal resize: with -t the pty's size is set (runtime/terminal.ts), which signals;
 *   PWR            JavaScriptCore uses it to stop threads for garbage collection;
 *   SEGV BUS ILL FPE  faults of our own process; handling them in JS would hide a crash.
 * STKFLT and the real-time signals are left out: Bun knows no such names for process.on (it accepts
 * "SIGSTKFLT" but installs no handler: measured, the process still dies of it).
 */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  "SIGHUP", "SIGINT", "SIGQUIT", "SIGTRAP", "SIGABRT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGTERM",
  "SIGCONT", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGIO", "SIGSYS",
] as NodeJS.Signals[];

/** The number of a signal Bun delivered to a process.on handler. */
export function signalNumber(signal: NodeJS.Signals): number {
  return BY_NAME.get(signal.slice(3))!;
}
