// `network ls --format/--filter` and `network inspect --format`, as docker/cli's networkContext and the
// daemon's network filters (driver, id, label, name, scope, type, dangling) define them.
import { UserError } from "../errors.ts";
import { formatEach, formatList, hasFormat, parseFormat } from "../format/docker-format.ts";
import { goStruct, type Template } from "../format/template/index.ts";
import type { ListedNetwork } from "../network/manage.ts";
import { labelMatches } from "../container/labels.ts";

export const NETWORK_FORMAT = {
  defaultTable: "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
  headers: {
    ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER", Scope: "SCOPE", IPv6: "IPV6", Internal: "INTERNAL",
    Labels: "LABELS", CreatedAt: "CREATED AT",
  },
};

const FILTER_KEYS = ["driver", "id", "label", "name", "scope", "type", "dangling"];
const BUILTIN = new Set(["bridge", "host", "none"]);

export interface NetworkFilter { key: string; value: string }

export function parseNetworkFilters(specs: readonly string[]): NetworkFilter[] {
  return specs.map((spec) => {
    const eq = spec.indexOf("=");
    if (eq < 1) throw new UserError(`bad format of filter (expected name=value)`, 1);
    const key = spec.slice(0, eq), value = spec.slice(eq + 1);
    if (!FILTER_KEYS.includes(key)) throw new UserError(`Invalid filter '${key}'`, 1);
    if (key === "type" && value !== "custom" && value !== "builtin") throw new UserError(`invalid filter: 'type'='${value}'`, 1);
    if (key === "dangling" && !["true", "false", "1", "0"].includes(value)) throw new UserError(`invalid filter 'dangling=${value}'`, 1);
    return { key, value };
  });
}

function labelsOf(n: ListedNetwork): Record<string, string> {
  return n.record?.labels ?? {};
}

function matchesOne(n: ListedNetwork, f: NetworkFilter, inUse: (n: ListedNetwork) => boolean): boolean {
  switch (f.key) {
    case "driver": return n.driver === f.value;
    case "id": return n.id.startsWith(f.value);
    case "name": return n.name.includes(f.value); // Docker: a substring of the name
    case "scope": return n.scope === f.value;
    case "type": return (f.value === "builtin") === BUILTIN.has(n.name);
    case "dangling": return (f.value === "true" || f.value === "1") === (!BUILTIN.has(n.name) && !inUse(n));
    default: return labelMatches(labelsOf(n), f.value); // label=KEY or label=KEY=VALUE
  }
}

/** Values of one key are alternatives (label=: all must hold); different keys must all match. */
export function networkMatches(n: ListedNetwork, filters: readonly NetworkFilter[], inUse: (n: ListedNetwork) => boolean): boolean {
  const byKey = new Map<string, NetworkFilter[]>();
  for (const f of filters) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f]);
  for (const [key, list] of byKey) {
    const one = (f: NetworkFilter) => matchesOne(n, f, inUse);
    if (key === "label" ? !list.every(one) : !list.some(one)) return false;
  }
  return true;
}

/** The row Docker's `network ls --format` sees. */
function row(n: ListedNetwork, trunc: boolean): object {
  const labels = labelsOf(n);
  return goStruct("*formatter.networkContext", {
    ID: trunc ? n.id.slice(0, 12) : n.id, Name: n.name, Driver: n.driver, Scope: n.scope,
    IPv6: String(n.record?.ipv6 !== undefined), Internal: String(n.record?.internal ?? false),
    Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","),
    Label: Object.assign((name: unknown) => labels[String(name)] ?? "", { arity: 1 }),
    CreatedAt: n.record ? new Date(n.record.created).toISOString().replace("T", " ").replace(/\.\d+Z$/, " +0000 UTC") : "",
  });
}

export function formatNetworkList(format: string, networks: readonly ListedNetwork[], trunc: boolean): string {
  return formatList(format, networks.map((n) => row(n, trunc)), NETWORK_FORMAT);
}

/** `network inspect --format T`: a template run once per network; "json" or nothing is Docker's JSON array. */
export function networkInspectTemplate(format: unknown): Template | undefined {
  return hasFormat(format) && format !== "json" ? parseFormat(format) : undefined;
}

export { formatEach, hasFormat };
