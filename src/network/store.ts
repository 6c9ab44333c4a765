// Network state on disk, under <store>/network/:
//   networks/<id>.json      one record per network (the default "bridge" one is created on first use)
//   endpoints/<ctr-id>.json what a running container got: per network its IP, MAC, host veth; its ports
//   lock                    flock held while any of it changes (a few milliseconds)
// An endpoint is written BEFORE the links and rules it names are created, so after kill -9 the next
// command finds every object that may exist and removes it (reconcile.ts). Status is never trusted from
// here: an endpoint is live only while the container's init it names is alive.
import { mkdirSync, openSync, closeSync, readFileSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { replaceFile } from "../state/atomic.ts";
import { lockExclusive } from "../sys/flock.ts";
import type { ProcessIdentity } from "../container/liveness.ts";
import type { PortBinding } from "./ports.ts";

export interface NetworkRecord {
  id: string;
  name: string;
  driver: "bridge";
  created: string;
  /** IPv4 subnet in CIDR form, its gateway (the bridge's address) and the range containers get IPs from. */
  subnet: string;
  gateway: string;
  ipRange?: string;
  ipv6?: { subnet: string; gateway: string };
  internal: boolean;
  bridge: string;
  labels: Record<string, string>;
  options: Record<string, string>;
}

export interface Attachment {
  network: string; // network id
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  /** The host end of the veth pair; the container end is `ifname` in its namespace. */
  hostVeth: string;
  ifname: string;
  aliases: string[];
  /** On networks created with --ipv6. */
  ipv6?: string;
  prefixLength6?: number;
  gateway6?: string;
}

export interface Endpoint {
  containerId: string;
  containerName: string;
  /** The container's init: the endpoint is live exactly as long as this process. */
  process: ProcessIdentity;
  attachments: Attachment[];
  ports: PortBinding[];
}

/** The store root Docker users get; other roots (tests, a second engine) get host objects of their own. */
const DEFAULT_ROOT = "/var/lib/minibox";

export class NetworkStore {
  readonly dir: string;
  /** nftables table (inet family) holding this store's rules: MINIBOX_NFT_TABLE, or derived from the root. */
  readonly table: string;
  /** The default network's bridge: MINIBOX_BRIDGE, or derived from the root. */
  readonly defaultBridge: string;

  constructor(readonly root: string, env: Record<string, string | undefined> = process.env) {
    this.dir = join(root, "network");
    // Two stores on one host must not share a table (each rebuilds its table whole) nor a bridge (each
    // allocates addresses on its own): the names of a non-default store carry a hash of its root.
    const suffix = root === DEFAULT_ROOT ? "" : new Bun.CryptoHasher("sha256").update(root).digest("hex").slice(0, 8); // net-bench: not node:crypto (~13 ms to load)
    this.table = env.MINIBOX_NFT_TABLE || (suffix ? `minibox-${suffix}` : "minibox");
    this.defaultBridge = env.MINIBOX_BRIDGE || (suffix ? `mbx${suffix}` : "minibox0");
  }

  private sub(name: string): string {
    const d = join(this.dir, name);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  /** Runs `fn` holding the network lock (released by the kernel if we die). */
  locked<T>(fn: () => T): T {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, "lock");
    const fd = openSync(path, "a", 0o600);
    try {
      lockExclusive(fd, path);
      return fn();
    } finally {
      closeSync(fd); // closing the last fd of the open file drops the flock
    }
  }

  /**
   * Runs `fn` holding the host-wide network lock as well: stores are independent, but the host's routes
   * are shared, so picking a free subnet and creating its bridge must not interleave across stores.
   */
  hostLocked<T>(fn: () => T): T {
    const path = "/run/minibox-network.lock";
    const fd = openSync(path, "a", 0o600);
    try {
      lockExclusive(fd, path);
      return fn();
    } finally {
      closeSync(fd);
    }
  }

  networks(): NetworkRecord[] {
    return readRecords<NetworkRecord>(this.sub("networks"));
  }

  saveNetwork(n: NetworkRecord): void {
    replaceFile(join(this.sub("networks"), `${n.id}.json`), JSON.stringify(n, null, 2));
  }

  removeNetwork(id: string): void {
    removeIfPresent(join(this.sub("networks"), `${id}.json`));
  }

  endpoints(): Endpoint[] {
    return readRecords<Endpoint>(this.sub("endpoints"));
  }

  endpoint(containerId: string): Endpoint | undefined {
    try {
      return JSON.parse(readFileSync(join(this.sub("endpoints"), `${containerId}.json`), "utf8")) as Endpoint;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  saveEndpoint(e: Endpoint): void {
    replaceFile(join(this.sub("endpoints"), `${e.containerId}.json`), JSON.stringify(e, null, 2));
  }

  removeEndpoint(containerId: string): void {
    removeIfPresent(join(this.sub("endpoints"), `${containerId}.json`));
  }
}

function readRecords<T>(dir: string): T[] {
  return readdirSync(dir).filter((f) => f.endsWith(".json")).flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(join(dir, f), "utf8")) as T];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return []; // removed while we listed
      throw e;
    }
  });
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

