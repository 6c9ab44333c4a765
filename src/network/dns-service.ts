// The DNS servers of a store's user-defined networks, run by the store's monitor (see docs/networking.md,
// "Name resolution on user networks"). One server per user network that has a running container, on the
// network's gateway address, port 53, UDP and TCP; the default bridge gets none (Docker's behaviour).
//
// Everything is derived from the endpoint records, never from what callers say: `sync()` reads them and
// starts, updates or stops servers to match. It runs when asked (a container on a user network starting,
// `network connect`) and every SWEEP_MS while a server runs, which is how stops, removals, disconnects and
// containers killed with -9 leave the zone without anybody having to tell us.
import { readHostResolvConf, dnsUpstreams } from "./resolv.ts";
import { readEtcConfig } from "../container/etc-files.ts";
import { isAlive } from "../container/liveness.ts";
import { DEFAULT_NETWORK, dnsAddressOf } from "./networks.ts";
import { NetworkStore, type NetworkRecord } from "./store.ts";
import { startDnsServer, type DnsServer, type NameEntry } from "./dns/index.ts";
import { parseUpstream, UpstreamSpecError, type Upstream } from "./dns/upstream.ts";
import { canonicalAddress } from "./dns/address.ts";

/** How often the zones are compared with the records while any server runs. */
export const SWEEP_MS = 1_000;
export const DNS_PORT = 53;

interface Running extends Wanted {
  server: DnsServer;
}

interface Wanted {
  network: NetworkRecord;
  zone: NameEntry[];
  /** Client address (canonical) → that container's upstreams (its --dns, else the host's resolvers). */
  upstreams: Map<string, Upstream[]>;
  /**
   * net-finish: client address (canonical) → the ids of every user network its container is on, this one
   * first: such a client resolves the names of all of them, as Docker's per-container resolver does.
   */
  clientNetworks: Map<string, string[]>;
  fingerprint: string;
}

export class NetworkDnsService {
  private readonly running = new Map<string, Running>();
  /** Every served network's names by network id, as of the last sync (net-finish: zones across networks). */
  private zones = new Map<string, NameEntry[]>();
  private timer: Timer | undefined;
  private pending: Promise<string[]> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: { root: string; dir(id: string): string },
    private readonly log: (message: string) => void,
    /** Told after each sync whether any server still runs (the monitor's idle exit depends on it). */
    private readonly changed: () => void = () => {},
    /** 53; tests listen elsewhere. */
    private readonly port: number = DNS_PORT,
  ) {}

  get active(): boolean {
    return this.running.size > 0;
  }

  /** What is being served, by network name (for the monitor's log and tests). */
  get listening(): { network: string; address: string; port: number }[] {
    return [...this.running.values()].flatMap((r) => r.server.endpoints.map((e) => ({ network: r.network.name, ...e })));
  }

  /**
   * Brings the servers in line with the records; resolves with one warning per network whose server
   * could not start. Concurrent calls share one pass (plus one more if records changed meanwhile). Never throws.
   */
  sync(): Promise<string[]> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    this.pending = (async () => {
      let warnings: string[] = [];
      do {
        this.again = false;
        warnings = await this.syncOnce().catch((e) => {
          this.log(`network DNS: ${e instanceof Error ? e.message : String(e)}`);
          return [] as string[];
        });
      } while (this.again && !this.stopped);
      return warnings;
    })().finally(() => {
      this.pending = undefined;
      this.schedule();
      this.changed();
    });
    return this.pending;
  }

  /** Stops every server (the monitor is exiting or handing over). */
  stopAll(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const r of this.running.values()) r.server.stop();
    this.running.clear();
  }

  private schedule(): void {
    if (this.active && !this.timer && !this.stopped) {
      this.timer = setInterval(() => void this.sync(), SWEEP_MS);
    } else if (!this.active && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async syncOnce(): Promise<string[]> {
    if (this.stopped) return [];
    const wanted = this.wanted();
    for (const [id, r] of this.running) {
      const w = wanted.get(id);
      // A network removed and created again under the same id cannot happen (random ids); a changed
      // gateway (the default network only, which has no server) would need a new socket.
      if (!w || w.network.gateway !== r.network.gateway || w.network.ipv6?.gateway !== r.network.ipv6?.gateway) {
        r.server.stop();
        this.running.delete(id);
        this.log(`network DNS: stopped the server of ${r.network.name} (${r.network.gateway})`);
      } else if (w.fingerprint !== r.fingerprint) {
        Object.assign(r, { zone: w.zone, upstreams: w.upstreams, clientNetworks: w.clientNetworks, fingerprint: w.fingerprint });
        r.server.update();
      }
    }
    const warnings: string[] = [];
    for (const [id, w] of wanted) {
      if (this.running.has(id)) continue;
      try {
        await this.start(id, w);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        this.log(`network DNS: ${why}`);
        warnings.push(`containers on network ${w.network.name} cannot resolve each other by name: ${why}`);
      }
    }
    return warnings;
  }

  private async start(id: string, w: Wanted): Promise<void> {
    const entry: Running = { ...w, server: undefined as unknown as DnsServer };
    // net-finish: a container's zone is every network it is on; the other networks' entries are read
    // from the servers' shared view (`this.zones`) at the time the client's index is built.
    entry.server = await startDnsServer({
      listen: dnsAddressesOf(w.network).map((address) => ({ address, port: this.port })),
      zone: () => entry.zone,
      zoneFor: (client) => {
        const ids = entry.clientNetworks.get(canonicalAddress(client) ?? client);
        if (!ids || ids.length < 2) return undefined;
        return { key: ids.join(","), table: () => ids.flatMap((n) => this.zones.get(n) ?? []) };
      },
      upstreams: [],
      upstreamsFor: (client) => entry.upstreams.get(canonicalAddress(client) ?? client),
      onError: (e) => this.log(`network DNS ${w.network.name}: ${e instanceof Error ? e.message : String(e)}`),
    });
    if (this.stopped) { entry.server.stop(); return; }
    this.running.set(id, entry);
    this.log(`network DNS: serving ${w.network.name} on ${dnsAddressesOf(w.network).join(", ")} port ${this.port}`);
  }

  /** The user networks with a running container, and what their servers must know. */
  private wanted(): Map<string, Wanted> {
    const ns = new NetworkStore(this.store.root);
    const networks = new Map(ns.networks().filter((n) => n.name !== DEFAULT_NETWORK).map((n) => [n.id, n]));
    const hostText = readHostResolvConf();
    const out = new Map<string, Wanted>();
    for (const e of ns.endpoints()) {
      if (!isAlive(e.process)) continue;
      const mine = e.attachments.filter((a) => networks.has(a.network));
      if (mine.length === 0) continue;
      const upstreams = upstreamsOf(this.store.dir(e.containerId), hostText);
      for (const a of mine) {
        const network = networks.get(a.network)!;
        const w: Wanted = out.get(network.id) ?? { network, zone: [], upstreams: new Map(), clientNetworks: new Map(), fingerprint: "" };
        const own = [e.containerName, e.containerId.slice(0, 12), ...a.aliases];
        // Docker also answers "<name>.<network>"; as names of the entry, not as a domain of ours, so that
        // a network called "com" cannot swallow real names (unknown ones are forwarded, as Docker does).
        w.zone.push({
          name: e.containerName, id: e.containerId,
          aliases: [...a.aliases, ...own.map((n) => `${n}.${network.name}`)],
          ipv4: [a.ip], ...(a.ipv6 ? { ipv6: [a.ipv6] } : {}),
        });
        // The client's networks, the one it asks first: its answers prefer addresses on that network.
        const order = [a.network, ...mine.map((x) => x.network).filter((n) => n !== a.network)];
        for (const address of [a.ip, ...(a.ipv6 ? [a.ipv6] : [])]) {
          const key = canonicalAddress(address) ?? address;
          w.upstreams.set(key, upstreams);
          w.clientNetworks.set(key, order);
        }
        out.set(network.id, w);
      }
    }
    this.zones = new Map([...out].map(([id, w]) => [id, w.zone]));
    // A network's answers depend on the zones of its clients' other networks too: those go in its fingerprint.
    for (const w of out.values()) {
      const others = [...new Set([...w.clientNetworks.values()].flat())].sort().map((id) => out.get(id)?.zone);
      w.fingerprint = JSON.stringify([w.zone, [...w.upstreams], [...w.clientNetworks], others]);
    }
    return out;
  }
}

/** net-finish: where a network's server listens: its gateway, and its IPv6 gateway on an IPv6 network. */
export function dnsAddressesOf(network: NetworkRecord): string[] {
  return [dnsAddressOf(network), ...(network.ipv6 ? [network.ipv6.gateway] : [])];
}

/** A container's upstreams: its --dns, else the host's resolvers (see resolv.ts, dnsUpstreams). */
function upstreamsOf(containerDir: string, hostText: string): Upstream[] {
  let flags;
  try {
    flags = readEtcConfig(containerDir);
  } catch (e) {
    // A container removed between the endpoint listing and here: its entry goes at the next sweep.
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || e instanceof SyntaxError) flags = {};
    else throw e;
  }
  return dnsUpstreams(hostText, flags).flatMap((spec) => {
    try {
      return [parseUpstream(spec)];
    } catch (e) {
      if (e instanceof UpstreamSpecError) return []; // validated at create; one bad record must not stop the others
      throw e;
    }
  });
}
