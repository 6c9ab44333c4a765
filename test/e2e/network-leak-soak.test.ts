// shard-weight: 200000 (its 500 runs take minutes; scripts/test.sh deals it to a shard by this, not its size)
// The leak check: 500 `run --rm` (MINIBOX_SOAK_RUNS lowers the count for local iteration; CI runs
// 500) on the default bridge, with published ports and on a user network, 4 at a time, then a kill -9
// round (the foreground CLI with its container's init; the store's monitor while it serves a network's
// DNS), after which the next command reconciles. The host's links, addresses, routes, permanent
// neighbours and nftables ruleset (this sandbox's table and every other table) must be exactly as before.
// The bridge, table and user network are made first (they stay with their networks, like docker0).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { T, useRunSandbox } from "./run-helpers.ts";
import { hostNetworkState, netNames, sh, waitFor } from "./network-helpers.ts";

const names = netNames("k", "10.252.0.0/15");
const NET = "mbtksoak", SUBNET = "10.253.1.0/24", GW = "10.253.1.1";
const RUNS = Number(process.env.MINIBOX_SOAK_RUNS || 500);
const PARALLEL = 4;
const ctx = useRunSandbox("minibox-e2e-net-soak-");
const mb = (args: string[]) => ctx.sb.run(args);

beforeAll(async () => {
  Object.assign(ctx.sb.env, names.env);
  const r = await mb(["network", "create", "--subnet", SUBNET, NET]);
  if (r.code !== 0) throw new Error(`network create: ${r.stderr}`);
  // First use of each network creates its bridge and the table: before the snapshot.
  for (const args of [["busybox", "true"], ["--network", NET, "busybox", "true"]]) await ctx.ok(["--rm", ...args]);
  userBridge = JSON.parse((await mb(["network", "inspect", NET])).stdout)[0].Options["com.docker.network.bridge.name"];
}, T);

afterAll(async () => {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  await mb(["network", "rm", NET]);
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
}, T);

/**
 * hostNetworkState (links, addresses, IPv4 routes, ruleset) plus IPv6 routes and the permanent neighbours
 * (cache entries come and go by themselves; minibox adds none), other sandboxes' objects left out by name.
 */
const snapshot = () => {
  const foreign = (l: string) => /\b(mb[0-9a-f]{11}|mbx[0-9a-f]{8}|mbr-[0-9a-f]{10}|mbt[\w-]*)\b/.test(l) && !l.includes(names.bridge);
  const routes6 = sh(["ip", "-6", "route"]).split("\n").map((l) => l.replace(" linkdown", "")).filter((l) => !foreign(l));
  const neigh = sh(["ip", "neigh", "show", "nud", "permanent"]).split("\n").filter((l) => !foreign(l));
  // hostNetworkState keeps the default bridge's ports; the user network's bridge is named by its id.
  const userPorts = userBridge ? sh(["ip", "-o", "link", "show", "master", userBridge]).split("\n").map((l) => l.replace(/ state \S+/, "")) : [];
  return [hostNetworkState(names), "--", ...routes6, "--", ...neigh, "--", ...userPorts].join("\n");
};
let userBridge = "";
const endpointFiles = () => {
  const dir = join(ctx.sb.root, "network", "endpoints");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
};
const endpointPids = () => endpointFiles().flatMap((f) => {
  try { return [(JSON.parse(readFileSync(join(ctx.sb.root, "network", "endpoints", f), "utf8")) as { process: { pid: number } }).process.pid]; } catch { return []; }
});

/** The i-th run's arguments: mostly the default bridge, every 8th with a published port, every 10th on the user network. */
function runArgs(i: number): string[] {
  if (i % 10 === 5) return ["run", "--rm", "--network", NET, "busybox", "true"];
  if (i % 8 === 3) return ["run", "--rm", "-p", "80", "-p", "53/udp", "busybox", "true"];
  return ["run", "--rm", "busybox", "true"];
}

describe(`${RUNS} runs and a kill -9 round leave the host's network state as it was`, () => {
  test("links, addresses, routes, neighbours and the ruleset", async () => {
    const before = snapshot();
    let next = 0;
    const failures: string[] = [];
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      for (let i = next++; i < RUNS; i = next++) {
        const r = await ctx.sb.run(runArgs(i), { timeoutMs: 60_000 });
        if (r.code !== 0) failures.push(`run ${i} (${runArgs(i).join(" ")}): exit ${r.code}: ${r.stderr.trim()}`);
      }
    }));
    expect(failures).toEqual([]);
    expect(endpointFiles()).toEqual([]);

    // kill -9 of a foreground CLI and of its container's init, with a published port: nobody releases.
    const fg = Bun.spawn([BINARY, "run", "--rm", "-p", "80", "busybox", "sleep", "60"], { env: ctx.sb.env, stdout: "ignore", stderr: "ignore" });
    const [pid] = await waitFor("the foreground container's endpoint", () => (endpointPids().length === 1 ? endpointPids() : undefined));
    fg.kill("SIGKILL");
    await fg.exited;
    process.kill(pid!, "SIGKILL");
    await waitFor("the init's exit", () => (existsSync(`/proc/${pid}/ns`) ? undefined : true));

    // kill -9 of the store's monitor while it serves the user network's DNS, then of the container's init.
    const id = (await ctx.ok(["-d", "--network", NET, "busybox", "sleep", "60"])).trim();
    const monitor = await waitFor("the monitor's DNS server", () => /pid=(\d+)/.exec(sh(["ss", "-Hlnup", "src", `${GW}:53`]))?.[1]);
    process.kill(Number(monitor), "SIGKILL");
    const [initPid] = endpointPids();
    process.kill(initPid!, "SIGKILL");
    await waitFor("the detached init's exit", () => (existsSync(`/proc/${initPid}/ns`) ? undefined : true));
    expect(endpointFiles().length).toBeGreaterThan(0); // left behind: the next command must reconcile

    await ctx.ok(["--rm", "busybox", "true"]);
    expect(endpointFiles()).toEqual([]);
    await mb(["rm", "-f", id]);
    // Other test files running in parallel change the host too (their own objects are filtered out by
    // name); a leak of ours stays, a passing object of theirs goes: compare until equal or the deadline.
    const after = await waitFor("the host's network state to match", () => {
      const now = snapshot();
      return now === before ? now : undefined;
    }, 20_000).catch(() => snapshot());
    expect(after).toBe(before);
  }, 900_000);
});
