// runtime area: OOM notifications of a cgroup, for `minibox runtime events` (runc's {"type":"oom"}).
// v1: an eventfd registered on memory.oom_control through cgroup.event_control; it becomes readable
// whenever the cgroup hits its limit and the OOM killer runs (or would, with it disabled).
// v2: memory.events, which the kernel marks changed (POLLPRI) on every event; an oom_kill counter that
// went up is an OOM kill.
import { closeSync, openSync, readSync, constants } from "node:fs";
import { eventfd, POLLIN, POLLPRI } from "../sys/eventfd.ts";
import { O_CLOEXEC } from "../sys/fs.ts";
import { hasFile, parseKeyValues, writeCgroupFile } from "./file.ts";
import type { Cgroup } from "./types.ts";

export interface OomWatch {
  fd: number;
  /** poll(2) events to wait for on `fd`. */
  events: number;
  /** How many OOM events happened since the last call (0 when none; never blocks). */
  take(): number;
  close(): void;
}

/** undefined when the cgroup has no memory controller. */
export function watchOom(cgroup: Cgroup): OomWatch | undefined {
  for (const dir of cgroup.paths) {
    if (hasFile(dir, "memory.oom_control")) return watchV1(dir);
    if (hasFile(dir, "memory.events")) return watchV2(dir);
  }
  return undefined;
}

function watchV1(dir: string): OomWatch {
  const efd = eventfd();
  let control: number | undefined;
  try {
    control = openSync(`${dir}/memory.oom_control`, constants.O_RDONLY | O_CLOEXEC);
    writeCgroupFile(dir, "cgroup.event_control", `${efd} ${control}`, "memory");
  } catch (e) {
    closeSync(efd);
    if (control !== undefined) closeSync(control);
    throw e;
  }
  const buf = Buffer.alloc(8);
  const text = Buffer.alloc(4096);
  // The eventfd also fires when the cgroup is removed: an event counts only when the kernel's own
  // counters (oom_kill, since Linux 4.13; under_oom with the killer disabled) say so.
  const oomState = () => {
    const kv = parseKeyValues(text.toString("utf8", 0, readSync(control!, text, 0, text.length, 0)));
    return { kills: kv.get("oom_kill") ?? 0, under: kv.get("under_oom") === 1 };
  };
  let kills = oomState().kills;
  return {
    fd: efd,
    events: POLLIN,
    take() {
      try {
        if (readSync(efd, buf) !== 8) return 0;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") return 0;
        throw e;
      }
      const now = oomState();
      const n = now.kills - kills;
      kills = now.kills;
      return n > 0 ? n : now.under ? 1 : 0;
    },
    close() {
      closeSync(efd);
      closeSync(control!);
    },
  };
}

function watchV2(dir: string): OomWatch {
  const fd = openSync(`${dir}/memory.events`, constants.O_RDONLY | O_CLOEXEC);
  const buf = Buffer.alloc(4096);
  const count = () => parseKeyValues(buf.toString("utf8", 0, readSync(fd, buf, 0, buf.length, 0))).get("oom_kill") ?? 0;
  let last = count();
  return {
    fd,
    events: POLLPRI,
    take() {
      const now = count();
      const n = Math.max(0, now - last);
      last = now;
      return n;
    },
    close: () => closeSync(fd),
  };
}
