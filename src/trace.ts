// MINIBOX_TRACE=1 prints when each start-up phase ends, in ms on one clock shared by the host-side process
// and the container's init, so docs/performance.md can say where the time goes.
import { writeSync } from "node:fs";

const enabled = !!process.env.MINIBOX_TRACE;
const origin = performance.timeOrigin;

export function trace(label: string): void {
  if (!enabled) return;
  const now = origin + performance.now();
  // writeSync, not process.stderr: creating that stream costs ~20 ms and would be measured as start-up.
  writeSync(2, `trace ${(now % 100000).toFixed(1).padStart(8)} ${process.pid} ${label}\n`);
}
