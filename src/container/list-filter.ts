// `ps --filter`, with Docker's keys (daemon/list.go): id, name, label, exited, status, ancestor, before,
// since, volume, network, publish, expose, health, is-task. Values of one key are alternatives, except
// label= (all must hold); different keys must all match.
import { UserError } from "../errors.ts";
import { isRestarting, type CurrentState } from "./status.ts";
import { healthFilterValue } from "../health/show.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import { findContainer } from "./lookup.ts";
import { inspectContainer } from "./inspect.ts";
import { containerLabels, labelMatches } from "./labels.ts";

export interface PsFilter { key: string; value: string }
export interface PsRow { record: ContainerRecord; state: CurrentState }

const KEYS = ["id", "name", "label", "exited", "status", "ancestor", "before", "since", "volume", "network", "publish", "expose", "health", "is-task"];
const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];
const HEALTH = ["starting", "healthy", "unhealthy", "none"];

interface PortRange { start: number; end: number; proto: string }

/** "80", "80/udp", "8000-8080/tcp" as Docker reads publish=/expose= values. */
function parsePortRange(spec: string, key: string): PortRange {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/.exec(spec);
  if (!m) throw new UserError(`invalid filter '${key}=${spec}': port ${JSON.stringify(spec)} is not a port, a port range or port/protocol`, 1);
  const start = Number(m[1]), end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) throw new UserError(`invalid filter '${key}=${spec}': invalid port range`, 1);
  return { start, end, proto: m[3] ?? "tcp" };
}

export function parsePsFilter(spec: string): PsFilter {
  const eq = spec.indexOf("=");
  const key = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  if (eq < 1) throw new UserError(`bad format of filter (expected name=value)`, 1);
  if (!KEYS.includes(key)) throw new UserError(`Invalid filter '${key}'`, 1);
  if (key === "status" && !STATUSES.includes(value)) throw new UserError(`invalid filter 'status=${value}'`, 1);
  if (key === "health" && !HEALTH.includes(value)) throw new UserError(`Unrecognised filter value for health: ${value}`);
  if (key === "is-task" && value !== "true" && value !== "false") throw new UserError(`Invalid filter 'is-task=${value}'`);
  if (key === "publish" || key === "expose") parsePortRange(value, key);
  return { key, value };
}

/** before=/since= name containers; their creation times bound the listing (newest before, oldest since). */
export interface CreatedBounds { before?: string; since?: string }

export function resolveCreatedBounds(store: ContainerStore, filters: readonly PsFilter[]): CreatedBounds {
  const bounds: CreatedBounds = {};
  for (const f of filters) {
    if (f.key !== "before" && f.key !== "since") continue;
    const t = findContainer(store, f.value).created;
    bounds[f.key] = f.key === "before" ? (bounds.before && bounds.before < t ? bounds.before : t) : (bounds.since && bounds.since > t ? bounds.since : t);
  }
  return bounds;
}

/** ancestor= as Docker: the image's id (or a prefix), or its name with or without the default tag. */
function sameImage(record: ContainerRecord, wanted: string): boolean {
  const hex = record.image.replace(/^sha256:/, "");
  if (/^(sha256:)?[0-9a-f]{4,64}$/.test(wanted) && hex.startsWith(wanted.replace(/^sha256:/, ""))) return true;
  const norm = (n: string) => (/:[^/]+$/.test(n) ? n : `${n}:latest`).replace(/^(docker\.io\/)?(library\/)?/, "");
  return norm(record.imageName) === norm(wanted);
}


function portKeysMatch(keys: readonly string[], spec: string, key: string): boolean {
  const r = parsePortRange(spec, key);
  return keys.some((k) => {
    const [port, proto] = k.split("/");
    const n = Number(port);
    return proto === r.proto && n >= r.start && n <= r.end;
  });
}

interface InspectView {
  Mounts?: { Name?: string; Source?: string; Destination?: string }[];
  HostConfig?: { PortBindings?: Record<string, unknown> };
  Config?: { ExposedPorts?: Record<string, unknown> };
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string }> };
}

/** What a filter needs from `inspect`, computed once per row and only when such a filter is given. */
function lazyInspect(store: ContainerStore, record: ContainerRecord): () => InspectView {
  let view: InspectView | undefined;
  return () => (view ??= inspectContainer(store, record) as InspectView);
}

function matchesOne(store: ContainerStore, row: PsRow, f: PsFilter, created: CreatedBounds, view: () => InspectView, networkIds: (name: string) => string | undefined): boolean {
  const { record, state } = row;
  switch (f.key) {
    case "name": return record.name.includes(f.value);
    case "id": return record.id.startsWith(f.value);
    case "exited": return state.status === "exited" && String(state.exitCode ?? 0) === f.value;
    case "ancestor": return sameImage(record, f.value);
    case "before": return record.created < created.before!;
    case "since": return record.created > created.since!;
    case "label": return labelMatches(containerLabels(record), f.value);
    case "health": return healthFilterValue(record) === f.value; // compat-run: health.json beside the record
    case "is-task": return f.value === "false"; // no swarm
    case "volume": return (view().Mounts ?? []).some((m) => m.Name === f.value || m.Destination === f.value || m.Source === f.value);
    // Docker: the network's name exactly, or a prefix of its id.
    case "network": return Object.entries(view().NetworkSettings?.Networks ?? {}).some(([name, n]) => name === f.value || (n.NetworkID || networkIds(name) || "").startsWith(f.value));
    case "publish": return portKeysMatch(Object.keys(view().HostConfig?.PortBindings ?? {}), f.value, "publish");
    case "expose": return portKeysMatch(Object.keys(view().Config?.ExposedPorts ?? {}), f.value, "expose");
    default: return (isRestarting(record) ? "restarting" : state.status) === f.value; // status= (compat-run: restarting)
  }
}

/** Every key matches (label= all values; other keys any value). */
export function psRowMatches(store: ContainerStore, row: PsRow, filters: readonly PsFilter[], created: CreatedBounds, networkIds: (name: string) => string | undefined = () => undefined): boolean {
  const view = lazyInspect(store, row.record);
  const byKey = new Map<string, PsFilter[]>();
  for (const f of filters) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  for (const [key, list] of byKey) {
    const one = (f: PsFilter) => matchesOne(store, row, f, created, view, networkIds);
    if (key === "label" || key === "before" || key === "since" ? !list.every(one) : !list.some(one)) return false;
  }
  return true;
}
