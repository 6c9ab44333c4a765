// `events --filter`, with moby's semantics (daemon/events/filter.go): values of one key are alternatives,
// different keys must all match; container=/network=/volume= match the actor's id or name by prefix,
// image= exactly (with or without its tag), event= exactly (exec_create/exec_start/health_status by
// prefix, as their actions carry the command), label= against the actor's attributes.
import { UserError } from "../errors.ts";
import type { EngineEvent } from "./types.ts";

const KEYS = ["container", "daemon", "event", "image", "label", "network", "scope", "type", "volume", "config", "node", "plugin", "secret", "service"];
const TYPES = ["container", "image", "network", "volume", "daemon", "plugin", "service", "node", "secret", "config"];

export type EventFilters = Map<string, string[]>;

export function parseEventFilters(specs: readonly string[]): EventFilters {
  const filters: EventFilters = new Map();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq < 1) throw new UserError(`bad format of filter (expected name=value)`, 1);
    const key = spec.slice(0, eq).toLowerCase();
    const value = spec.slice(eq + 1);
    if (!KEYS.includes(key)) throw new UserError(`invalid filter '${key}'`, 1);
    if (key === "type" && !TYPES.includes(value)) throw new UserError(`invalid filter 'type=${value}'`, 1);
    filters.set(key, [...(filters.get(key) ?? []), value]);
  }
  return filters;
}

function exact(filters: EventFilters, key: string, ...sources: (string | undefined)[]): boolean {
  const values = filters.get(key);
  if (!values) return true;
  return values.some((v) => sources.some((s) => s === v));
}

function fuzzy(filters: EventFilters, key: string, ...sources: (string | undefined)[]): boolean {
  const values = filters.get(key);
  if (!values) return true;
  return values.some((v) => sources.some((s) => s !== undefined && s.startsWith(v)));
}

function byName(filters: EventFilters, e: EngineEvent, type: string): boolean {
  if (!filters.has(type)) return true;
  return fuzzy(filters, type, e.Actor.ID, e.Actor.Attributes.name);
}

const stripTag = (image: string | undefined) => image?.replace(/:[^/:]+$/, "");

function matchesImage(filters: EventFilters, e: EngineEvent): boolean {
  const name = e.Type === "image" ? e.Actor.Attributes.name : e.Actor.Attributes.image;
  return exact(filters, "image", e.Actor.ID, name, stripTag(e.Actor.ID), stripTag(name));
}

function matchesEvent(filters: EventFilters, e: EngineEvent): boolean {
  const values = filters.get("event");
  if (!values) return true;
  const prefixed = values.some((v) => v === "exec_create" || v === "exec_start" || v === "health_status");
  return prefixed ? fuzzy(filters, "event", e.Action) : exact(filters, "event", e.Action);
}

function matchesLabels(filters: EventFilters, e: EngineEvent): boolean {
  const values = filters.get("label");
  if (!values) return true;
  // Every label= must hold (moby's MatchKVList).
  return values.every((l) => {
    const eq = l.indexOf("=");
    return eq < 0 ? l in e.Actor.Attributes : e.Actor.Attributes[l.slice(0, eq)] === l.slice(eq + 1);
  });
}

export function eventMatches(filters: EventFilters, e: EngineEvent): boolean {
  return matchesEvent(filters, e) && exact(filters, "type", e.Type) && exact(filters, "scope", e.scope)
    && !filters.has("daemon") && !filters.has("plugin") && !filters.has("node") && !filters.has("service")
    && !filters.has("secret") && !filters.has("config")
    && byName(filters, e, "container") && byName(filters, e, "volume") && byName(filters, e, "network")
    && matchesImage(filters, e) && matchesLabels(filters, e);
}
