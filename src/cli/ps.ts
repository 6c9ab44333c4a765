import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { currentState, isRestarting, type CurrentState } from "../container/status.ts";
import type { ContainerRecord } from "../container/store.ts";
import { asRecord, listEntries } from "../container/reconcile.ts";
import { createdAgo, humanDuration, humanSize, table } from "./human-format.ts";
import { out, writeStdout } from "./output.ts";
import { formatList, hasFormat } from "../format/docker-format.ts";
import { containerRow, ellipsis, goQuoted, PS_FORMAT } from "../format/container-row.ts";
import { parsePsFilter, psRowMatches, resolveCreatedBounds } from "../container/list-filter.ts";
import { containerLabels } from "../container/labels.ts";
import { inspectContainer } from "../container/inspect.ts";
import type { ContainerStore } from "../container/store.ts";
import { UserError } from "../errors.ts";
import { storeRoot } from "../image/store.ts";
import { portsColumn } from "../network/inspect.ts"; // net-core
import { healthSuffix } from "../health/show.ts"; // compat-run

const args = {
  all: { type: "boolean", alias: "a", description: "Show all containers (default shows just running)" },
  quiet: { type: "boolean", alias: "q", description: "Only display container IDs" },
  "no-trunc": { type: "boolean", description: "Don't truncate output" },
  format: { type: "string", description: "Format output: table, table TEMPLATE, json, or a Go template such as '{{.Names}}'" },
  filter: { type: "string", alias: "f", description: "Filter output: name=, status=, id=, exited=, ancestor=, before=, since=, label= (repeatable)" },
  // compat: Docker's -n/-l (the newest containers, in any state)
  last: { type: "string", alias: "n", description: "Show n last created containers (includes all states)" },
  latest: { type: "boolean", alias: "l", description: "Show the latest created container (includes all states)" },
  size: { type: "boolean", alias: "s", description: "Display total file sizes" },
} as const;

interface Row { record: ContainerRecord; state: CurrentState }

/** Network ids by name (network=ID-prefix on containers that are not running), loaded only for that filter. */
async function networkIdsByName(): Promise<Map<string, string>> {
  const [{ listNetworks }, { NetworkStore }] = await Promise.all([import("../network/manage.ts"), import("../network/store.ts")]);
  return new Map(listNetworks(new NetworkStore(storeRoot())).map((n) => [n.name, n.id]));
}

export default defineCommand({
  meta: { name: "ps", description: "List containers" },
  args,
  async run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    if (positionals.length) throw new UserError(`"ps" accepts no arguments`);
    const filters = ((v.filter as string[] | undefined) ?? []).map(parsePsFilter);
    const last = v.latest === true ? 1 : v.last === undefined ? -1 : Number(v.last);
    if (!Number.isInteger(last)) throw new UserError(`invalid argument "${String(v.last)}" for "-n, --last" flag: strconv.ParseInt: parsing "${String(v.last)}": invalid syntax`);
    const store = containerStore();
    const created = resolveCreatedBounds(store, filters);
    const networkIds = filters.some((f) => f.key === "network") ? await networkIdsByName() : new Map<string, string>();
    const entries = listEntries(store);
    // A broken entry is listed (as Dead) and named once on stderr; it never hides the others.
    for (const e of entries) if (!e.record) out.warn(`container ${e.id.slice(0, 12)} has an unreadable record (${e.broken}): shown as Dead; rm -f removes it`);
    const rows: Row[] = entries.map((e) => asRecord(store, e))
      .map((record) => ({ record, state: currentState(record) }))
      .filter((r) => v.all === true || last >= 0 || filters.some((f) => f.key === "status" || f.key === "exited") || r.state.running)
      .filter((r) => psRowMatches(store, r, filters, created, (name) => networkIds.get(name)))
      .sort((a, b) => b.record.created.localeCompare(a.record.created))
      .slice(0, last >= 0 ? last : undefined);
    const full = v["no-trunc"] === true;
    if (v.quiet === true) {
      for (const r of rows) out.log(full ? r.record.id : r.record.id.slice(0, 12));
    } else if (hasFormat(v.format)) {
      // compat: Go templates, "table …" and "json" over docker/cli's ContainerContext fields
      const size = await sizeOf(store);
      // compat-sys: .Networks needs each container's network settings: read only when the format may show them
      const withNetworks = /Networks|json/.test(v.format);
      writeStdout(formatList(v.format, rows.map((r) => formatRow(store, r, !full, size, withNetworks)), PS_FORMAT));
    } else if (v.size === true) {
      // compat: -s adds Docker's SIZE column
      const size = await sizeOf(store);
      const lines = table([["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", "SIZE"], ...rows.map((r) => [...tableRow(r, full), size(r.record)])]);
      for (const line of lines) out.log(line);
    } else {
      const lines = table([["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], ...rows.map((r) => tableRow(r, full))]);
      for (const line of lines) out.log(line);
    }
    return 0;
  },
});

function tableRow({ record, state }: Row, full: boolean): string[] {
  const command = record.command.join(" ");
  // Docker: Ellipsis(command, 20) then strconv.Quote
  const shown = goQuoted(full ? command : ellipsis(command, 20));
  return [full ? record.id : record.id.slice(0, 12), record.imageName, shown, createdAgo(record.created), statusText(record, state), portsColumn(storeRoot(), record.id), record.name];
}

function formatRow(store: ContainerStore, { record, state }: Row, trunc: boolean, size: (r: ContainerRecord) => string, withNetworks = false): object {
  return containerRow({
    id: record.id, name: record.name, imageName: record.imageName, command: record.command, created: record.created,
    runningFor: createdAgo(record.created), state: shownState(record, state), status: statusText(record, state), ports: portsColumn(storeRoot(), record.id), // compat-run: restarting
    mounts: () => mountNames(store, record), size: () => size(record), labels: containerLabels(record),
    ...(withNetworks && { networks: networkNames(store, record) }), // compat-sys
  }, trunc);
}

/** Docker's "100kB (virtual 4.3MB)": the writable layer, and it plus the image. */
async function sizeOf(store: ContainerStore): Promise<(r: ContainerRecord) => string> {
  const [{ ImageStore }, { writableLayerSize }] = await Promise.all([import("../image/store.ts"), import("../container/rw-size.ts")]);
  const imageSizes = new Map((await new ImageStore().listAll()).images.map((i) => [i.id, i.size]));
  return (r) => {
    const rw = writableLayerSize(store, r);
    return `${humanSize(rw)} (virtual ${humanSize(rw + (imageSizes.get(r.image) ?? 0))})`;
  };
}

interface MountView { Name?: string; Source?: string; Destination?: string }

function mounted(store: ContainerStore, record: ContainerRecord): MountView[] {
  return (inspectContainer(store, record).Mounts ?? []) as MountView[];
}

/** Docker's .Mounts: a volume's name, else the bind's source. */
function mountNames(store: ContainerStore, record: ContainerRecord): string[] {
  return mounted(store, record).map((m) => m.Name || m.Source || "");
}

export function statusText(record: ContainerRecord, state: CurrentState, now = Date.now()): string {
  const since = (t: string | undefined) => humanDuration((now - Date.parse(t ?? record.created)) / 1000);
  switch (state.status) {
    case "running": return `Up ${since(record.state.startedAt)}${healthSuffix(record)}`; // compat-run
    case "paused": return `Up ${since(record.state.startedAt)} (Paused)`;
    case "created": return "Created";
    case "exited": return isRestarting(record) // compat-run
      ? `Restarting (${state.exitCode ?? 0}) ${since(record.state.finishedAt)} ago`
      : `Exited (${state.exitCode ?? 0}) ${since(record.state.finishedAt)} ago`;
    case "dead": return "Dead";
  }
}

/** compat-run: Docker's state names, "restarting" while the monitor waits out a restart backoff. */
function shownState(record: ContainerRecord, state: CurrentState): string {
  return isRestarting(record) ? "restarting" : state.status;
}

/** compat-sys: Docker's .Networks: the names of the networks the container is (or will be) attached to. */
function networkNames(store: ContainerStore, record: ContainerRecord): string[] {
  const settings = inspectContainer(store, record).NetworkSettings as { Networks?: Record<string, unknown> } | undefined;
  return Object.keys(settings?.Networks ?? {}).sort();
}
