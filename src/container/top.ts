// `top`: the host's ps, filtered to the container's processes (its cgroup's pids), as dockerd does it.
// The ps options are the user's own; no path or text from inside the container reaches the command line.
import { UserError } from "../errors.ts";
import { openContainerCgroup } from "./cgroup.ts";
import { currentState } from "./status.ts";
import type { ContainerRecord } from "./store.ts";

export interface ProcessTable { titles: string[]; processes: string[][] }

/** dockerd's parsePSOutput: the PID column found by its title; the last column keeps its spaces. */
export function parsePsOutput(output: string, pids: ReadonlySet<number>): ProcessTable {
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  const titles = (lines[0] ?? "").trim().split(/\s+/);
  const pidIndex = titles.indexOf("PID");
  if (pidIndex < 0) throw new UserError("Couldn't find PID field in ps output", 1);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[pidIndex]);
    if (!Number.isInteger(pid)) throw new UserError(`Unexpected pid '${fields[pidIndex]}' in ps output`, 1);
    if (!pids.has(pid)) continue;
    const head = fields.slice(0, titles.length - 1);
    processes.push([...head, fields.slice(titles.length - 1).join(" ")]);
  }
  return { titles, processes };
}

export function containerTop(record: ContainerRecord, psArgs: string[]): ProcessTable {
  if (!currentState(record).running) throw new UserError(`container ${record.id} is not running`, 1);
  const pids = new Set(openContainerCgroup(record)?.pids() ?? []);
  const ps = Bun.spawnSync(["ps", ...(psArgs.length ? psArgs : ["-ef"])], { stdout: "pipe", stderr: "pipe" });
  if (ps.exitCode !== 0) {
    const why = ps.stderr.toString().trim().split("\n")[0] ?? "";
    throw new UserError(`Error running ps: exit status ${ps.exitCode}: ${why}`, 1);
  }
  return parsePsOutput(ps.stdout.toString(), pids);
}
