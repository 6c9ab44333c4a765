// `events`: runc's event stream. `--stats` prints one stats event and exits; otherwise a stats event every
// --interval and an {"type":"oom"} event whenever the kernel OOM-kills in the container's cgroup, until the
// container stops (its init's pidfd becomes readable).
import { runcStats } from "../cgroups/runc-stats.ts";
import { watchOom, type OomWatch } from "../cgroups/oom-events.ts";
import { CgroupError } from "../cgroups/errors.ts";
import { pidfdOpen } from "../sys/pidfd.ts";
import { pollFds, POLLIN } from "../sys/eventfd.ts";
import { closeSync } from "node:fs";
import { processStartTime } from "../container/liveness.ts";
import { cgroupOf, statusOf } from "./status.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";

export async function streamEvents(ctx: RuntimeContext, id: string, once: boolean, intervalMs: number, write: (line: string) => void): Promise<void> {
  const record = ctx.store.load(id);
  const status = statusOf(ctx.store, record);
  if (status === "stopped" || status === "creating") throw new RuntimeError(MESSAGES.notRunning);
  const cgroup = cgroupOf(record!);
  if (!cgroup) throw new RuntimeError(`container ${id} has no cgroup`);
  const stats = () => write(JSON.stringify({ type: "stats", id, data: runcStats(cgroup) }) + "\n");
  if (once) return stats();

  const init = record!.init!;
  const pidfd = pidfdOpen(init.pid);
  if (pidfd === undefined) return;
  let oom: OomWatch | undefined;
  try {
    if (processStartTime(init.pid) !== init.startTime) return; // the pid was reused: ours is gone
    try {
      oom = watchOom(cgroup);
    } catch (e) {
      // A kernel without cgroup.event_control (or memory.events) still gets its stats events.
      if (!(e instanceof CgroupError)) throw e;
      ctx.log("warning", `no OOM events for ${id}: ${e.message}`);
    }
    const reportOom = () => { if (oom && oom.take() > 0) write(JSON.stringify({ type: "oom", id }) + "\n"); };
    for (;;) {
      stats();
      const deadline = Date.now() + intervalMs;
      for (let left = intervalMs; left > 0; left = deadline - Date.now()) {
        const [exited] = pollFds(oom ? [{ fd: pidfd, events: POLLIN }, { fd: oom.fd, events: oom.events }] : [{ fd: pidfd, events: POLLIN }], left);
        reportOom();
        if (exited) return;
      }
    }
  } finally {
    oom?.close();
    closeSync(pidfd);
  }
}

/** Go durations as runc's --interval takes them: "5s", "500ms", "1m". */
export function parseInterval(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/.exec(text);
  if (!m) throw new RuntimeError(`invalid value "${text}" for flag -interval: parse error`);
  const n = Number(m[1]);
  const ms = m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
  if (ms <= 0) throw new RuntimeError("duration interval must be greater than 0");
  return ms;
}
