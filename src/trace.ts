// MINIBOX_TRACE=1 prints when each start-up phase ends, in ms on one clock shared by the host-side process
// and the container's init, so docs/performance.md can say where the time goes.
import { writeSync } from "node:fs";

const enabled = !!process.env.MINIBOX_TRACE;
const origin = performance.timeOrigin;
// containers-crash: fault injection for the crash-consistency tests. MINIBOX_FAULT=<phase label> makes the
// process SIGKILL itself as that phase ends, like a kill -9 arriving at that exact moment. One string
// compare per phase when unset.
const fault = process.env.MINIBOX_FAULT;

export function trace(label: string): void {
  if (fault !== undefined && fault === label) process.kill(process.pid, "SIGKILL");
  if (!enabled) return;
  const now = origin + performance.now();
  // writeSync, not process.stderr: creating that stream costs ~20 ms and would be measured as start-up.
  writeSync(2, `trace ${(now % 100000).toFixed(1).padStart(8)} ${process.pid} ${label}\n`);
}
