// resetSignalsForExec in a child Bun process (it changes the caller's signal state): Bun starts with
// SIGPIPE and SIGXFSZ ignored; afterwards nothing is ignored or blocked, and a caught handler is kept.
import { expect, test } from "bun:test";
import { join } from "node:path";

test("ignored signals go back to SIG_DFL, the mask is emptied, the rest is untouched", () => {
  const script = `
    const { resetSignalsForExec } = require(${JSON.stringify(join(import.meta.dir, "../../src/sys/signals.ts"))});
    const sig = (k) => require("node:fs").readFileSync("/proc/self/status", "utf8").match(new RegExp("^" + k + ":\\\\s*(\\\\w+)", "m"))[1];
    process.on("SIGUSR2", () => {});
    const before = { ign: sig("SigIgn"), cgt: sig("SigCgt") };
    const reset = resetSignalsForExec();
    console.log(JSON.stringify({ before, reset, ign: sig("SigIgn"), blk: sig("SigBlk"), cgt: sig("SigCgt") }));
  `;
  const r = Bun.spawnSync([process.execPath, "-e", script]);
  expect(r.stderr.toString()).toBe("");
  const out = JSON.parse(r.stdout.toString());
  expect(BigInt(`0x${out.before.ign}`) & 0x1001000n).toBe(0x1001000n); // SIGPIPE (13) and SIGXFSZ (25)
  expect(out.reset).toEqual(expect.arrayContaining([13, 25]));
  expect(out.ign).toBe("0000000000000000");
  expect(out.blk).toBe("0000000000000000");
  expect(out.cgt).toBe(out.before.cgt); // handlers (SIGUSR2 here, the engine's own) are kept until execve
});
