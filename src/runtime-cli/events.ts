// `events`: runc's stats events from the container's cgroup. `--stats` prints one and exits; otherwise
// one every --interval until the container stops (OOM and other kernel notifications are not reported).
import { cgroupOf, statusOf } from "./status.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";

export async function streamEvents(ctx: RuntimeContext, id: string, once: boolean, intervalMs: number, write: (line: string) => void): Promise<void> {
  for (;;) {
    const record = ctx.store.load(id);
    const status = statusOf(ctx.store, record);
    if (status === "stopped" || status === "creating") {
      if (once) throw new RuntimeError(MESSAGES.notRunning);
      return;
    }
    const cgroup = cgroupOf(record!);
    if (!cgroup) throw new RuntimeError(`container ${id} has no cgroup`);
    const s = cgroup.stats();
    write(JSON.stringify({
      type: "stats", id,
      data: {
        cpu: { usage: { total: s.cpuUsageNs }, throttling: { throttledPeriods: s.throttledPeriods ?? 0, throttledTime: s.throttledTimeNs ?? 0 } },
        memory: { usage: { usage: s.memoryUsage, limit: s.memoryLimit } },
        pids: { current: s.pids },
        blkio: { ioServiceBytesRecursive: [{ op: "Read", value: s.blkioRead }, { op: "Write", value: s.blkioWrite }] },
      },
    }) + "\n");
    if (once) return;
    await Bun.sleep(intervalMs);
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
