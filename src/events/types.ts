// One engine event in Docker's shape (moby api/types/events.Message), as stored in the event log and as
// `events --format '{{json .}}'` prints it. status/id/from are Docker's deprecated duplicates, kept for
// containers and images because scripts still read them.
export type EventType = "container" | "image" | "network" | "volume";

export interface EngineEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "local";
  time: number;
  timeNano: number;
}

/** An event as it happens now; `nowNanos` for tests. */
export function makeEvent(type: EventType, action: string, id: string, attributes: Record<string, string>, nowNanos = nowNano()): EngineEvent {
  const event: EngineEvent = {
    Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: "local",
    time: Math.floor(nowNanos / 1e9), timeNano: nowNanos,
  };
  if (type === "container" || type === "image") {
    const withLegacy: EngineEvent = { status: action, id, ...(type === "container" && attributes.image ? { from: attributes.image } : {}), ...event };
    return withLegacy;
  }
  return event;
}

/** Wall-clock nanoseconds; a double holds them to ~0.25 µs today, finer than any two events. */
function nowNano(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}
