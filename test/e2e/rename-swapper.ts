// Helper process for escape-race.test.ts: swaps <dir>/d (a directory) and <dir>/l (a symlink to a host
// canary) with renameat2(RENAME_EXCHANGE) as fast as it can, as a container sharing the volume would.
// Runs until killed, or for at most `seconds`.
import { AT, O, openat, renameExchange } from "../../src/sys/at.ts";

const [dir, seconds = "120"] = process.argv.slice(2);
if (!dir) throw new Error("usage: rename-swapper.ts DIR [SECONDS]");
const fd = openat(AT.FDCWD, dir, O.PATH | O.DIRECTORY | O.CLOEXEC);
const end = Date.now() + Number(seconds) * 1000;
process.stdout.write("ready\n");
// Bursts with a short pause: the race needs a swap during the few microseconds of a lookup, not a whole
// CPU, and the containers being started need the cores of a small machine.
while (Date.now() < end) {
  for (let i = 0; i < 500; i++) renameExchange(fd, "d", "l");
  Bun.sleepSync(1);
}
