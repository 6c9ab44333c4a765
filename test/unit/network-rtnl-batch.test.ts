// net-bench: fewer rtnetlink round trips per container start. The host end of a container's veth pair is
// created up, in the creating message; the container side's address, up and route go in one datagram
// (requestAll). Real kernel, in namespaces of the test's own.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { Rtnetlink, addressRequest, routeRequest, upRequest } from "../../src/network/rtnetlink.ts";
import { SyscallError } from "../../src/sys/errno.ts";
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

  test("address, up and default route in one batch; a failed request is thrown after every answer is read", () => {
    const nl = Rtnetlink.open();
    const peerSide = Rtnetlink.openIn(target, "peer namespace");
    try {
      nl.createBridge("tbr2");
      const br = nl.linkIndex("tbr2");
      nl.requestAll([addressRequest(br, "10.98.0.1", 24), upRequest(br)]);
      nl.createVethPair({ hostName: "tvu2", masterIndex: br, peerName: "eth2", peerNsFd: target, hostUp: true });
      const eth2 = peerSide.linkIndex("eth2");
      peerSide.requestAll([addressRequest(eth2, "10.98.0.2", 24), upRequest(eth2), routeRequest({ gateway: "10.98.0.1" })]);
      expect(peerSide.linkByName("eth2")!.flags & 1).toBe(1);
      expect(peerSide.addresses().some((a) => a.index === eth2 && a.address === "10.98.0.2" && a.prefixLength === 24)).toBe(true);
      expect(peerSide.routes().some((r) => r.dstLength === 0 && r.gateway === "10.98.0.1")).toBe(true);

      // The same address again fails (EEXIST); the request after it in the batch still runs.
      let thrown: unknown;
      try {
        peerSide.requestAll([addressRequest(eth2, "10.98.0.2", 24), addressRequest(eth2, "10.98.0.3", 24)]);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(SyscallError);
      expect((thrown as Error).message).toBe(`rtnetlink newaddr 10.98.0.2/24 on #${eth2}: EEXIST`);
      expect(peerSide.addresses().some((a) => a.address === "10.98.0.3")).toBe(true);
      // The socket is in step afterwards: a plain request gets its own answer.
      peerSide.setUp(eth2, false);
      expect(peerSide.linkByName("eth2")!.flags & 1).toBe(0);
    } finally {
      peerSide.close();
      nl.close();
    }
  });
});
