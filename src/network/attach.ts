// Giving a starting container its network, from the host side, while its init waits on the start pipe:
// the init's network namespace exists and is empty (lo only). Per network: an IP, a veth pair whose host
// end joins the bridge and whose other end is created directly inside the container's namespace as eth0,
// the address and default route set through a netlink socket opened in that namespace.
import { openSync, closeSync, constants } from "node:fs";
import { randomBytes } from "node:crypto";
import { O_CLOEXEC } from "../sys/fs.ts";
import { SyscallError } from "../sys/errno.ts";
import { isAlive, type ProcessIdentity } from "../container/liveness.ts";
import { UserError } from "../errors.ts";
import { trace } from "../trace.ts";
import { Rtnetlink, withRtnetlink } from "./rtnetlink.ts";
import { allocateIp, macForIp } from "./ipam.ts";
import { allocatePorts, hostSockets } from "./ports.ts";
import { networkForAttach, revalidateDefaultSubnet } from "./networks.ts";
import { liveEndpoints, syncNetworks, syncPorts, teardownEndpoint } from "./reconcile.ts";
import { parseSubnet } from "./subnet.ts";
import { allocateIp6, parseIPv6, parseSubnet6 } from "./subnet6.ts";
import type { NetworkRequest } from "./request.ts";
import type { Attachment, Endpoint, NetworkRecord, NetworkStore } from "./store.ts";

export interface AttachTarget { containerId: string; containerName: string; process: ProcessIdentity }

/** Host name of the veth of the n-th attachment of a container (IFNAMSIZ: 15 characters at most). */
export function hostVethName(containerId: string, n: number): string {
  return `mb${containerId.slice(0, 10)}${n}`.slice(0, 15);
}

/** Sets up the container's networks (bridge/user modes); a no-op for none/host/container modes. */
export function attachNetwork(ns: NetworkStore, target: AttachTarget, request: NetworkRequest): Endpoint | undefined {
  if ((request.mode !== "bridge" && request.mode !== "user") || !request.network) return undefined;
  return ns.locked(() => ns.hostLocked(() => {
    trace("network: locked");
    const live = liveEndpoints(ns); // also removes what dead containers left behind
    const known = ns.networks().length;
    const chosen = networkForAttach(ns, request.network!);
    const network = revalidateDefaultSubnet(ns, chosen, withRtnetlink((nl) => nl.linkByName(chosen.bridge) !== undefined));
    const networksChanged = ns.networks().length !== known || network !== chosen;
    trace("network: network resolved");
    const attachment = newAttachment(network, live, target.containerId, 0, { aliases: request.aliases, ip: request.ip });
    const ports = request.ports.length ? allocatePorts(request.ports, live.flatMap((e) => e.ports), hostSockets()) : [];
    const endpoint: Endpoint = { ...target, attachments: [attachment], ports };
    // Recorded before anything exists, so that a crash from here on leaves a record of what to remove.
    ns.saveEndpoint(endpoint);
    trace("network: endpoint recorded");
    try {
      const bridgeCreated = plugIn(network, attachment, target.process, true);
      // A new network or bridge needs the network rules; otherwise only published ports change anything.
      if (networksChanged || bridgeCreated) syncNetworks(ns, [...live, endpoint]);
      else if (ports.length > 0) syncPorts(ns, [...live, endpoint]);
    } catch (e) {
      teardownEndpoint(ns, endpoint);
      if (ports.length > 0) syncPorts(ns, live);
      throw e;
    }
    return endpoint;
  }));
}

/** The addresses and names of a container's n-th interface on `network` (IPAM over the live endpoints). */
export function newAttachment(network: NetworkRecord, live: readonly Endpoint[], containerId: string, n: number, o: { aliases: string[]; ip?: string }): Attachment {
  const onNetwork = live.flatMap((e) => e.attachments.filter((a) => a.network === network.id));
  const ip = allocateIp(network, new Set(onNetwork.map((a) => a.ip)), o.ip);
  const attachment: Attachment = {
    network: network.id, ip, prefixLength: parseSubnet(network.subnet).prefixLength, gateway: network.gateway,
    mac: macForIp(ip), hostVeth: hostVethName(containerId, n), ifname: `eth${n}`, aliases: o.aliases,
  };
  if (network.ipv6) {
    const s6 = parseSubnet6(network.ipv6.subnet);
    const taken6 = new Set(onNetwork.flatMap((a) => (a.ipv6 ? [a.ipv6] : [])));
    attachment.ipv6 = allocateIp6(s6, parseIPv6(network.ipv6.gateway)!, taken6);
    attachment.prefixLength6 = s6.prefixLength;
    attachment.gateway6 = network.ipv6.gateway;
  }
  return attachment;
}

/**
 * The bridge (created on first use, with the gateway address), then the veth pair and eth0's address;
 * true when the bridge had to be created (its rules must then be (re)applied).
 */
export function plugIn(network: NetworkRecord, a: Attachment, process: ProcessIdentity, defaultRoute: boolean): boolean {
  const pid = process.pid;
  const nsFd = openSync(`/proc/${pid}/ns/net`, constants.O_RDONLY | O_CLOEXEC);
  try {
    // Checked after the open: a pid recycled in between cannot hand us a stranger's namespace.
    if (!isAlive(process)) throw new UserError(`the container (init ${pid}) exited before its network was set up`);
    const created = withRtnetlink((host) => {
      const bridge = ensureBridge(host, network);
      host.createVethPair({ hostName: a.hostVeth, masterIndex: bridge.index, peerName: a.ifname, peerNsFd: nsFd, peerMac: a.mac });
      host.setUp(host.linkIndex(a.hostVeth));
      return bridge.created;
    });
    trace("network: veth created");
    const inside = Rtnetlink.openIn(nsFd, `/proc/${pid}/ns/net`);
    try {
      const index = inside.linkIndex(a.ifname);
      inside.addAddress(index, a.ip, a.prefixLength);
      if (a.ipv6 !== undefined) inside.addAddress(index, a.ipv6, a.prefixLength6!);
      inside.setUp(index);
      if (defaultRoute) inside.addRoute({ gateway: a.gateway });
      if (defaultRoute && a.gateway6 !== undefined) inside.addRoute({ gateway: a.gateway6 });
    } finally {
      inside.close();
    }
    return created;
  } finally {
    closeSync(nsFd);
  }
}

/** The bridge's index; creates it with the gateway address when missing (it stays, like docker0). */
export function ensureBridge(nl: Rtnetlink, network: NetworkRecord): { index: number; created: boolean } {
  const prefixLength = parseSubnet(network.subnet).prefixLength;
  let link = nl.linkByName(network.bridge);
  if (link && (link.flags & 1) !== 0) return { index: link.index, created: false }; // the common case: ours, up
  if (!link) {
    try {
      // A fixed random MAC of its own: otherwise the bridge takes its ports' lowest one, and changes it as
      // containers come and go (the neighbours' ARP caches then point at a gone address).
      nl.createBridge(network.bridge, randomMac());
    } catch (e) {
      if (!(e instanceof SyscallError && e.errno === 17)) throw e; // EEXIST: another start created it
    }
    link = nl.linkByName(network.bridge);
    if (!link) throw new SyscallError("rtnetlink getlink", 19, network.bridge);
  }
  const present = nl.addresses().filter((x) => x.index === link!.index).map((x) => x.address);
  const wanted: [string, number][] = [[network.gateway, prefixLength]];
  if (network.ipv6) wanted.push([network.ipv6.gateway, parseSubnet6(network.ipv6.subnet).prefixLength]);
  for (const [address, length] of wanted) {
    if (present.includes(address)) continue;
    try {
      nl.addAddress(link.index, address, length);
    } catch (e) {
      if (!(e instanceof SyscallError && e.errno === 17)) throw e;
    }
  }
  if ((link.flags & 1) === 0) nl.setUp(link.index);
  return { index: link.index, created: true };
}

function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02; // unicast, locally administered
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}
