// `docker stats` output: memory in binary units with 4 significant digits ("1.5MiB / 23.47GiB", Go's
// units.BytesSize), network and block I/O in decimal units with 3 ("648B / 1.2kB", units.HumanSize),
// percentages with two decimals.
import type { StatsRow } from "../container/stats.ts";
import { humanSize, table } from "./human-format.ts";
import { goStruct } from "../format/template/index.ts";

const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** 1572864 → "1.5MiB"; 0 → "0B". */
export function binarySize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < BINARY_UNITS.length - 1) { v /= 1024; i++; }
  return `${Number(v.toPrecision(4))}${BINARY_UNITS[i]}`;
}

export function percent(n: number): string {
  return `${n.toFixed(2)}%`;
}

export const HEADER = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"];

export interface Cells { id: string; name: string; cpu: string; mem: string; memPercent: string; net: string; block: string; pids: string }

export function cells(row: StatsRow, fullId = false): Cells {
  return {
    id: fullId ? row.id : row.id.slice(0, 12),
    name: row.name,
    cpu: percent(row.cpuPercent),
    mem: `${binarySize(row.memUsage)} / ${binarySize(row.memLimit)}`,
    memPercent: percent(row.memPercent),
    net: `${humanSize(row.net.rx)} / ${humanSize(row.net.tx)}`,
    block: `${humanSize(row.blockRead)} / ${humanSize(row.blockWrite)}`,
    pids: String(row.pids),
  };
}

export function tableLines(rows: StatsRow[], fullId = false): string[] {
  return table([HEADER, ...rows.map((r) => {
    const c = cells(r, fullId);
    return [c.id, c.name, c.cpu, c.mem, c.memPercent, c.net, c.block, c.pids];
  })]);
}

/** Docker's `--format json` line (every value a string, PIDs too). */
export function jsonLine(row: StatsRow): string {
  const c = cells(row);
  return JSON.stringify({
    BlockIO: c.block, CPUPerc: c.cpu, Container: c.id, ID: c.id, MemPerc: c.memPercent, MemUsage: c.mem, Name: c.name, NetIO: c.net, PIDs: c.pids,
  });
}

// compat: docker/cli's statsContext for --format templates, "table …" and "json"
export const STATS_FORMAT = {
  defaultTable: "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}",
  headers: {
    Container: "CONTAINER", ID: "CONTAINER ID", Name: "NAME", CPUPerc: "CPU %", MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %",
    NetIO: "NET I/O", BlockIO: "BLOCK I/O", PIDs: "PIDS",
  },
};

export function statsContext(row: StatsRow, fullId = false): object {
  const c = cells(row, fullId);
  return goStruct("*formatter.statsContext", {
    Container: c.id, ID: c.id, Name: c.name, CPUPerc: c.cpu, MemUsage: c.mem, MemPerc: c.memPercent, NetIO: c.net, BlockIO: c.block, PIDs: c.pids,
  });
}
