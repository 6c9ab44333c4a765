// compat-run: the stdin of a detached `-t -i` container. The pty master lives in the monitor, so what
// `attach` writes into the container's stdin.fifo is copied here into the master, until the container ends.
import { closeSync, writeSync } from "node:fs";
import { describe, monitorLog } from "./log.ts";

export interface StdinRelay { stop(): Promise<void> }

export function relayToMaster(fifo: number, master: number, id: string): StdinRelay {
  const reader = Bun.file(fifo).stream().getReader();
  let stopped = false;
  const done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || stopped) break;
        await writeAll(master, value, () => stopped);
      }
    } catch (e) {
      if (!stopped) monitorLog(`container ${id}: stdin relay ended: ${describe(e)}`);
    } finally {
      closeSync(fifo);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await reader.cancel().catch(() => {});
      await done;
    },
  };
}

/** The master is non-blocking (runtime/terminal.ts): a full pty input queue is waited out. */
async function writeAll(fd: number, data: Uint8Array, stopped: () => boolean): Promise<void> {
  let off = 0;
  while (off < data.length && !stopped()) {
    try {
      off += writeSync(fd, data, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") { await Bun.sleep(10); continue; }
      if (code === "EIO") return; // the container side is gone
      throw e;
    }
  }
}
