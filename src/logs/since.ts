// The time arguments of `logs --since/--until`, read as Docker reads them (moby's timetypes.GetTimestamp):
// a Go duration relative to now ("10m", "1h30m", "1.5h", "300ms"), unix seconds with an optional fraction
// ("1700000000", "1700000000.5"), or an RFC 3339 date-time, with or without fraction, zone and seconds, or
// a plain date. Without a zone the time is local, as in Docker.
import { UserError } from "../errors.ts";

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export class TimeArgumentError extends UserError {}

/** A Go duration in nanoseconds, or undefined when `text` is not one. */
export function parseGoDuration(text: string): bigint | undefined {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const part of text.replace(/^[+-]/, "").matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_NANOS[part[2]!]!;
  }
  const nanos = BigInt(Math.round(total));
  return m[1] === "-" ? -nanos : nanos;
}

/** Nanoseconds since the epoch for a --since/--until value; `now` in ms for tests. */
export function parseTimeArgument(value: string, flag: string, now: number = Date.now()): bigint {
  const text = value.trim();
  const duration = parseGoDuration(text);
  // Docker: a duration means "that long before now" (its sign is ignored the same way).
  if (duration !== undefined) return BigInt(now) * 1_000_000n - (duration < 0n ? -duration : duration);
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? "").padEnd(9, "0"));
  const rfc = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (rfc) {
    const [, date, hm = "00:00", sec = "00", frac = "", zone] = rfc;
    const ms = Date.parse(`${date}T${hm}:${sec}${zone ?? ""}`); // no zone: Date.parse takes local time
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, "0"));
  }
  throw new TimeArgumentError(`invalid value for "${flag}": failed to parse value as time or duration: "${value}"`);
}

/** `--tail`: "all" (or empty) for everything, else a count of lines. */
export function parseTail(value: string | undefined): number | undefined {
  if (value === undefined || value === "" || value === "all") return undefined;
  if (!/^-?\d+$/.test(value)) throw new UserError(`invalid value for "tail": ${JSON.stringify(value)} is not a number or "all"`);
  const n = Number(value);
  return n < 0 ? undefined : n; // Docker treats a negative count as all
}
