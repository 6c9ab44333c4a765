// Issue #13: `run` of an image that is not in the store says so as Docker does ("Unable to find image 'X'
// locally"), then shows the pull's progress, also when stderr is not a terminal; a pull that fails before
// anything is fetched stays one line.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { makeSandbox, type Sandbox } from "./harness.ts";
import { startRegistry, type Registry } from "./registry.ts";
import { busyboxTar, pushLayers } from "./registry-images.ts";

setDefaultTimeout(60_000);
let sb: Sandbox;
let reg: Registry;
beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-run-pull-");
  reg = await startRegistry();
  await pushLayers(reg.host, "implicit/box", "1", [busyboxTar()], { cmd: ["echo", "pulled and ran"] });
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  sb?.cleanup();
}, 30_000);

test("run pulls a missing image: Docker's line, then the progress, then the container's output", async () => {
  const r = await sb.run(["run", "--rm", `${reg.host}/implicit/box:1`], { timeoutMs: 60_000 });
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: "pulled and ran\n" });
  const lines = r.stderr.trim().split("\n");
  expect(lines[0]).toBe(`Unable to find image '${reg.host}/implicit/box:1' locally`);
  expect(lines[1]).toBe("1: Pulling from implicit/box");
  expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{12}: Pull complete/));
  expect(lines.at(-2)).toMatch(/^Digest: sha256:[0-9a-f]{64}$/);
  expect(lines.at(-1)).toBe(`Status: Downloaded newer image for ${reg.host}/implicit/box:1`);
  // Present now: nothing more is said.
  const again = await sb.run(["run", "--rm", `${reg.host}/implicit/box:1`]);
  expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
});

test("a tag the registry does not have: one line, exit 125", async () => {
  const r = await sb.run(["run", "--rm", `${reg.host}/implicit/box:nope`]);
  expect(r.code).toBe(125);
  expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^minibox: Unable to find image '.*implicit\/box:nope' locally, and pulling it failed: /)]);
});
