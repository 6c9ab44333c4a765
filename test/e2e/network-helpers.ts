// What the network e2e files share: per-file names (bridge, nftables table, address pool) so files can
// run in parallel; an "outside" network namespace of the test's own, joined to the host by a veth with
// documentation-range addresses (198.51.100.0/24 split into /28s), running a Bun TCP server that
// answers every connection with the address it came from; and snapshots of the host's network state.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface NetNames { bridge: string; table: string; pool: string; env: Record<string, string> }

/** `tag`: 1–4 letters unique to the test file; `pool`: a subnet no other file uses. */
export function netNames(tag: string, pool: string): NetNames {
  const bridge = `mbt${tag}0`, table = `mbt${tag}`;
  return { bridge, table, pool, env: { MINIBOX_BRIDGE: bridge, MINIBOX_NFT_TABLE: table, MINIBOX_NETWORK_POOL: pool } };
}

export function sh(cmd: string[], opts: { allowFail?: boolean; stdin?: string } = {}): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe", ...(opts.stdin !== undefined ? { stdin: Buffer.from(opts.stdin) } : {}) });
  if (r.exitCode !== 0 && !opts.allowFail) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const SERVER = `
const [host, port] = [process.argv[2], Number(process.argv[3])];
Bun.listen({ hostname: host, port, socket: { open(s) { s.write(s.remoteAddress + "\\n"); s.end(); }, data() {} } });
console.log("listening");
`;

export interface Outside {
  ns: string;
  /** The host's address on the link to the outside, and the outside's own. */
  hostIp: string;
  ip: string;
  port: number;
  /** Runs a command inside the outside namespace. */
  exec(cmd: string[], allowFail?: boolean): string;
  close(): void;
}

/** `block`: which /28 of 198.51.100.0/24 (0–15) this file uses. */
export async function makeOutside(tag: string, block: number, port = 7000): Promise<Outside> {
  const ns = `mbt-${tag}-out`, hostVeth = `mbt${tag}o`;
  const base = block * 16;
  const hostIp = `198.51.100.${base + 1}`, ip = `198.51.100.${base + 2}`;
  const dir = mkdtempSync(join(tmpdir(), `mbt-${tag}-srv-`));
  writeFileSync(join(dir, "server.ts"), SERVER);
  sh(["ip", "netns", "del", ns], { allowFail: true }); // a crashed earlier run of this file
  sh(["ip", "link", "del", hostVeth], { allowFail: true });
  sh(["ip", "netns", "add", ns]);
  let server: { kill(signal?: number | NodeJS.Signals): void } | undefined;
  const close = () => {
    server?.kill("SIGKILL");
    sh(["ip", "link", "del", hostVeth], { allowFail: true });
    sh(["ip", "netns", "del", ns], { allowFail: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    sh(["ip", "link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    sh(["ip", "addr", "add", `${hostIp}/28`, "dev", hostVeth]);
    sh(["ip", "link", "set", hostVeth, "up"]);
    sh(["ip", "-n", ns, "addr", "add", `${ip}/28`, "dev", "eth0"]);
    sh(["ip", "-n", ns, "link", "set", "eth0", "up"]);
    sh(["ip", "-n", ns, "link", "set", "lo", "up"]);
    // No default route: the outside can answer only what reaches it from the host's address, as a
    // remote server sees a NATed client.
    const proc = Bun.spawn(["ip", "netns", "exec", ns, process.execPath, join(dir, "server.ts"), ip, String(port)], { stdout: "pipe", stderr: "inherit" });
    server = proc;
    const reader = proc.stdout.getReader();
    const first = await reader.read();
    reader.releaseLock();
    if (!new TextDecoder().decode(first.value).includes("listening")) throw new Error("outside server did not start");
  } catch (e) {
    close();
    throw e;
  }
  return { ns, hostIp, ip, port, exec: (cmd, allowFail) => sh(["ip", "netns", "exec", ns, ...cmd], { allowFail }), close };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    await Bun.sleep(50);
  }
}

/** One TCP exchange from the host: connect, read until the peer closes. */
export async function tcpRead(host: string, port: number, send = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    Bun.connect({
      hostname: host, port,
      socket: {
        open(s) { if (send) s.write(send); },
        data(_s, d) { text += new TextDecoder().decode(d); },
        close() { resolve(text); },
        error(_s, e) { reject(e); },
        connectError(_s, e) { reject(e); },
      },
    }).catch(reject);
  });
}

/**
 * The host's links, addresses, routes and nftables ruleset as text, minus what other minibox sandboxes
 * running in parallel own (container veths on other bridges, other minibox tables), so that a leak of
 * this file's containers shows as a difference.
 */
export function hostNetworkState(names: NetNames): string {
  // Objects of other minibox stores and test files (parallel shards): container veths, default bridges,
  // user-network bridges, other files' test links. A line naming one of them is left out unless it is ours.
  const foreign = /\b(mb[0-9a-f]{11}|mbx[0-9a-f]{8}|mbr-[0-9a-f]{10}|mbt[\w-]*)\b/;
  const ours = (line: string) => !foreign.test(line) || line.includes(`master ${names.bridge} `) || line.includes(names.table);
  const links = sh(["ip", "-o", "link"]).split("\n").map((l) => l.replace(/ state \S+/, "").replace(/<[^>]*>/, "")).filter(ours);
  const addrs = sh(["ip", "-o", "addr"]).split("\n").map((l) => l.replace(/valid_lft.*$/, "").replace(" tentative", "")).filter((l) => !/\bmb[0-9a-f]{11}\b/.test(l) && ours(l));
  const routes = sh(["ip", "route"]).split("\n").map((l) => l.replace(" linkdown", "")).filter(ours);
  // Trimmed: whether a table ends the listing (and so its trailing newline) depends on other files' tables.
  const ruleset = sh(["nft", "list", "ruleset"]).split(/\n(?=table )/).map((t) => t.trimEnd()).filter((t) => !/^table inet (minibox|mbt)/.test(t) || t.startsWith(`table inet ${names.table} `));
  return [...links, "--", ...addrs, "--", ...routes, "--", ...ruleset].join("\n");
}

// net-finish: a fake upstream DNS server in an outside namespace, shared by the DNS e2e files.
// `*.example.test` A 192.0.2.10 (a documentation address), everything else NXDOMAIN; every asked name
// is recorded, so a test sees what was forwarded. No query ever leaves the machine.
const FAKE_UPSTREAM = (codec: string) => `
import { CLASS_IN, decode, emptyFlags, encode, RCODE, TYPE } from ${JSON.stringify(codec)};
const socket = await Bun.udpSocket({
  hostname: process.argv[2], port: 53, binaryType: "uint8array",
  socket: {
    data(s, data, port, address) {
      const q = decode(data);
      const question = q.questions[0];
      const name = question.name.toLowerCase();
      console.log("asked " + name);
      const known = name.endsWith(".example.test") && question.type === TYPE.A;
      const answers = known ? [{ name: question.name, type: TYPE.A, class: CLASS_IN, ttl: 30, data: { kind: "bytes", bytes: Uint8Array.from([192, 0, 2, 10]) } }] : [];
      const rcode = name.endsWith(".example.test") ? RCODE.NOERROR : RCODE.NXDOMAIN;
      s.send(encode({ id: q.id, flags: { ...emptyFlags(), qr: true, rd: q.flags.rd, ra: true, rcode }, questions: q.questions, answers, authorities: [], additionals: [] }), port, address);
    },
  },
});
console.log("listening " + socket.port);
`;

export interface FakeUpstream { asked: string[]; stop(): void }

export async function startFakeUpstream(o: Outside): Promise<FakeUpstream> {
  const dir = mkdtempSync(join(tmpdir(), "mbt-upstream-"));
  writeFileSync(join(dir, "upstream.ts"), FAKE_UPSTREAM(join(import.meta.dir, "../../src/network/dns/codec.ts")));
  const proc = Bun.spawn(["ip", "netns", "exec", o.ns, process.execPath, join(dir, "upstream.ts"), o.ip], { stdout: "pipe", stderr: "inherit" });
  const asked: string[] = [];
  const ready = Promise.withResolvers<void>();
  const stop = () => { proc.kill("SIGKILL"); rmSync(dir, { recursive: true, force: true }); };
  void (async () => {
    let text = "";
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
      text += new TextDecoder().decode(chunk);
      let nl: number;
      while ((nl = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (line.startsWith("listening")) ready.resolve();
        if (line.startsWith("asked ")) asked.push(line.slice(6));
      }
    }
    ready.reject(new Error("fake upstream exited"));
  })();
  try {
    await ready.promise;
  } catch (e) {
    stop();
    throw e;
  }
  return { asked, stop };
}
