import { defineCommand } from "citty";
import { splitArgv } from "./argv.ts";
import { containerStore } from "./each-container.ts";
import { currentState, type CurrentState } from "../container/status.ts";
import type { ContainerRecord } from "../container/store.ts";
import { asRecord, listEntries } from "../container/reconcile.ts";
import { createdAgo, humanDuration, table } from "./human-format.ts";
import { out } from "./output.ts";
import { UserError } from "../errors.ts";
import { storeRoot } from "../image/store.ts";
import { portsColumn } from "../network/inspect.ts"; // net-core

const args = {
  all: { type: "boolean", alias: "a", description: "Show all containers (default shows just running)" },
  quiet: { type: "boolean", alias: "q", description: "Only display container IDs" },
  "no-trunc": { type: "boolean", description: "Don't truncate output" },
  format: { type: "string", description: "Format output: table (default) or json" },
  filter: { type: "string", alias: "f", description: "Filter output: name=NAME, status=STATUS, id=ID (repeatable)" },
} as const;

interface Row { record: ContainerRecord; state: CurrentState }

export default defineCommand({
  meta: { name: "ps", description: "List containers" },
  args,
  run({ rawArgs }) {
    const { values: v, positionals } = splitArgv(rawArgs, args, Infinity, ["filter"]);
    if (positionals.length) throw new UserError(`"ps" accepts no arguments`);
    const filters = ((v.filter as string[] | undefined) ?? []).map(parseFilter);
    const store = containerStore();
    const entries = listEntries(store);
    // A broken entry is listed (as Dead) and named once on stderr; it never hides the others.
    for (const e of entries) if (!e.record) out.warn(`container ${e.id.slice(0, 12)} has an unreadable record (${e.broken}): shown as Dead; rm -f removes it`);
    const rows: Row[] = entries.map((e) => asRecord(store, e))
      .map((record) => ({ record, state: currentState(record) }))
      .filter((r) => v.all === true || filters.some((f) => f.key === "status") || r.state.running)
      .filter((r) => filters.every((f) => matches(r, f)))
      .sort((a, b) => b.record.created.localeCompare(a.record.created));
    const full = v["no-trunc"] === true;
    if (v.quiet === true) {
      for (const r of rows) out.log(full ? r.record.id : r.record.id.slice(0, 12));
    } else if (v.format === "json") {
      for (const r of rows) out.log(JSON.stringify(jsonRow(r)));
    } else if (v.format === undefined || v.format === "table") {
      const lines = table([["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], ...rows.map((r) => tableRow(r, full))]);
      for (const line of lines) out.log(line);
    } else {
      throw new UserError(`unsupported --format: ${String(v.format)} (table or json)`);
    }
    return 0;
  },
});

function tableRow({ record, state }: Row, full: boolean): string[] {
  const command = record.command.join(" ");
  const shown = full || command.length <= 20 ? command : `${command.slice(0, 19)}…`;
  return [full ? record.id : record.id.slice(0, 12), record.imageName, `"${shown}"`, createdAgo(record.created), statusText(record, state), portsColumn(storeRoot(), record.id), record.name];
}

function jsonRow({ record, state }: Row): Record<string, unknown> {
  return {
    ID: record.id.slice(0, 12), Image: record.imageName, Command: `"${record.command.join(" ")}"`, CreatedAt: record.created,
    RunningFor: createdAgo(record.created), Status: statusText(record, state), State: state.status, Names: record.name, Ports: portsColumn(storeRoot(), record.id),
  };
}

export function statusText(record: ContainerRecord, state: CurrentState, now = Date.now()): string {
  const since = (t: string | undefined) => humanDuration((now - Date.parse(t ?? record.created)) / 1000);
  switch (state.status) {
    case "running": return `Up ${since(record.state.startedAt)}`;
    case "paused": return `Up ${since(record.state.startedAt)} (Paused)`;
    case "created": return "Created";
    case "exited": return `Exited (${state.exitCode ?? 0}) ${since(record.state.finishedAt)} ago`;
    case "dead": return "Dead";
  }
}

interface Filter { key: string; value: string }

function parseFilter(spec: string): Filter {
  const eq = spec.indexOf("=");
  const key = spec.slice(0, eq);
  if (eq < 1 || !["name", "status", "id"].includes(key)) throw new UserError(`invalid filter '${spec}' (name=, status=, id=)`);
  return { key, value: spec.slice(eq + 1) };
}

function matches({ record, state }: Row, f: Filter): boolean {
  if (f.key === "name") return record.name.includes(f.value);
  if (f.key === "id") return record.id.startsWith(f.value);
  return state.status === f.value;
}
