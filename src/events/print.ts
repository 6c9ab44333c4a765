// Docker's default `events` line (docker/cli prettyPrintEvent): the time in RFC3339NanoFixed, local zone,
// then type, action and actor id, then the attributes sorted by key in parentheses.
import type { EngineEvent } from "./types.ts";

/** Go's "2006-01-02T15:04:05.000000000Z07:00" for nanoseconds since the epoch, in the local zone. */
export function rfc3339NanoFixed(timeNano: number, offsetMinutes = -new Date(Math.floor(timeNano / 1e6)).getTimezoneOffset()): string {
  const ms = Math.floor(timeNano / 1e6);
  const local = new Date(ms + offsetMinutes * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const nanos = p(Math.round(timeNano - Math.floor(timeNano / 1e9) * 1e9) % 1e9, 9);
  const date = `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}T${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
  const zone = offsetMinutes === 0 ? "Z" : `${offsetMinutes < 0 ? "-" : "+"}${p(Math.floor(Math.abs(offsetMinutes) / 60))}:${p(Math.abs(offsetMinutes) % 60)}`;
  return `${date}.${nanos}${zone}`;
}

export function defaultEventLine(e: EngineEvent): string {
  const keys = Object.keys(e.Actor.Attributes).sort();
  const attrs = keys.length ? ` (${keys.map((k) => `${k}=${e.Actor.Attributes[k]}`).join(", ")})` : "";
  return `${rfc3339NanoFixed(e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs}`;
}
