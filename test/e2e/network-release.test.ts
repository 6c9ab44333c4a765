// What a container's exit leaves of its network, through the compiled binary: the kernel removes a veth
// pair when the container's namespace dies, and the release waits for that rather than deleting it
// itself (network/reconcile.ts releaseEndpoint). These tests pin what must hold whichever way the veth
// goes: it is gone when `run --rm` returns, and a namespace that outlives its container (a `--network
// container:X` joiner holds it) still loses the donor's veth and address.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { T, useRunSandbox } from "./run-helpers.ts";
import { netNames, sh, waitFor } from "./network-helpers.ts";

const names = netNames("nr", "10.226.0.0/16");
const ctx = useRunSandbox("minibox-e2e-net-release-");
const { run, ok } = ctx;

beforeAll(() => {
  Object.assign(ctx.sb.env, names.env);
});

afterAll(() => {
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
});

const endpointFiles = () => {
  const dir = join(ctx.sb.root, "network", "endpoints");
  return existsSync(dir) ? readdirSync(dir) : [];
};
/** The veths on this file's bridge (every container veth is enslaved to it). */
const bridgePorts = () => sh(["ip", "-o", "link", "show", "master", names.bridge], { allowFail: true }).trim();

describe("release at exit", () => {
  test("when run --rm returns, its veth and its endpoint are gone (5 runs, one with a published port)", async () => {
    for (let i = 0; i < 5; i++) {
      await ok(["--rm", ...(i === 2 ? ["-p", "18300:80"] : []), "busybox", "true"]);
      expect(bridgePorts()).toBe("");
      expect(endpointFiles()).toEqual([]);
    }
    expect(sh(["nft", "list", "chain", "inet", names.table, "published"])).not.toContain("dnat");
  }, T);

  test("a donor whose namespace a joiner keeps alive: its veth and address still go when it exits", async () => {
    const donor = (await ok(["-d", "--name", "reldonor", "busybox", "sleep", "60"])).trim();
    const joiner = (await ok(["-d", "--name", "reljoiner", "--network", "container:reldonor", "busybox", "sleep", "60"])).trim();
    try {
      const before = (await ctx.sb.run(["exec", joiner, "ip", "-o", "link"])).stdout;
      expect(before).toContain("eth0");
      expect(bridgePorts()).toContain(`mb${donor.slice(0, 10)}0`);
      expect((await ctx.sb.run(["kill", "reldonor"])).code).toBe(0);
      // The donor's parent (the monitor) releases it at exit; the kernel does not, since the joiner holds the namespace.
      await waitFor("the donor's endpoint released", () => (endpointFiles().length === 0 ? true : undefined));
      expect(bridgePorts()).toBe("");
      const after = (await ctx.sb.run(["exec", joiner, "ip", "-o", "link"])).stdout;
      expect(after).toContain("lo");
      expect(after).not.toContain("eth0");
    } finally {
      await run(["rm", "-f", "reljoiner", "reldonor"]);
    }
  }, T);
});
