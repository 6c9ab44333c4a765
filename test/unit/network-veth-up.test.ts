// net-bench: the host end of a container's veth pair is created up, in the creating message (one rtnetlink
// request fewer, under the RTNL lock, per container start). Real kernel, in namespaces of the test's own.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { Rtnetlink } from "../../src/network/rtnetlink.ts";
import { CLONE, setns } from "../../src/sys/sched.ts";

const isRoot = process.getuid?.() === 0;
const NS = `mbt-vu-${process.pid}`;
let home = -1, target = -1, inside = -1;

describe.skipIf(!isRoot)("veth pair created with its host end up (root, test namespaces)", () => {
  beforeAll(() => {
    for (const n of [NS, `${NS}-peer`]) if (Bun.spawnSync(["ip", "netns", "add", n]).exitCode !== 0) throw new Error(`ip netns add ${n} failed`);
    home = openSync("/proc/thread-self/ns/net", "r");
    inside = openSync(`/run/netns/${NS}`, "r");
    setns(inside, CLONE.NEWNET);
    target = openSync(`/run/netns/${NS}-peer`, "r");
  });
  afterAll(() => {
    if (home >= 0) { setns(home, CLONE.NEWNET); closeSync(home); }
    for (const fd of [target, inside]) if (fd >= 0) closeSync(fd);
    Bun.spawnSync(["ip", "netns", "del", NS]);
    Bun.spawnSync(["ip", "netns", "del", `${NS}-peer`]);
  });

  test("the host end is up and enslaved at once; the peer exists, down, in the other namespace", () => {
    const nl = Rtnetlink.open();
    try {
      nl.createBridge("tbr1");
      const br = nl.linkIndex("tbr1");
      nl.setUp(br);
      nl.createVethPair({ hostName: "tvu0", masterIndex: br, peerName: "eth0", peerNsFd: target, peerMac: "02:42:0a:63:00:03", hostUp: true });
      const host = nl.linkByName("tvu0")!;
      expect(host.flags & 1).toBe(1);
      expect(host.master).toBe(br);
      const peerSide = Rtnetlink.openIn(target, "peer namespace");
      try {
        const eth0 = peerSide.linkByName("eth0")!;
        expect(eth0.kind).toBe("veth");
        expect(eth0.flags & 1).toBe(0);
      } finally {
        peerSide.close();
      }
      // Without hostUp the host end stays down, as before.
      nl.createVethPair({ hostName: "tvu1", peerName: "eth1", peerNsFd: target });
      expect(nl.linkByName("tvu1")!.flags & 1).toBe(0);
    } finally {
      nl.close();
    }
  });
});
