// `stats` NET I/O through the compiled binary: the bytes a container's interfaces received and sent (read
// from its init's /proc/<pid>/net/dev, loopback excluded, as Docker), in the table, `{{.NetIO}}` and
// `{{json .}}`; 0B / 0B with --network none whatever goes over its lo; the host's counters with --network host.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { T, useRunSandbox } from "./run-helpers.ts";
import { netNames, sh } from "./network-helpers.ts";

const names = netNames("s", "10.248.0.0/16");
const ctx = useRunSandbox("minibox-e2e-net-stats-");
const { ok } = ctx;
const mb = (args: string[]) => ctx.sb.run(args);

beforeAll(() => {
  Object.assign(ctx.sb.env, names.env);
});

afterAll(async () => {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  sh(["nft", "delete", "table", "inet", names.table], { allowFail: true });
  sh(["ip", "link", "del", names.bridge], { allowFail: true });
}, T);

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
/** "1.23kB / 648B" → [1230, 648] (Docker's decimal units, 3 significant digits). */
function parseNetIO(text: string): [number, number] {
  const m = /^([\d.]+)([kMGT]?B) \/ ([\d.]+)([kMGT]?B)$/.exec(text.trim());
  if (!m) throw new Error(`not a NET I/O value: ${JSON.stringify(text)}`);
  return [Number(m[1]) * UNITS[m[2]!]!, Number(m[3]) * UNITS[m[4]!]!];
}
const netIO = async (ref: string) => parseNetIO(await mb(["stats", "--no-stream", "--format", "{{.NetIO}}", ref]).then((r) => r.stdout));

/** The host's counters, summed over every interface but lo (what a host-network container shows). */
function hostCounters(): [number, number] {
  let rx = 0, tx = 0;
  for (const line of readFileSync("/proc/net/dev", "utf8").split("\n").slice(2)) {
    const [name, rest] = line.split(":");
    if (!rest || name!.trim() === "lo") continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0]!;
    tx += f[8]!;
  }
  return [rx, tx];
}

describe("stats NET I/O", () => {
  test("the bytes a bridge container sends and receives are counted, in {{.NetIO}}, the table and {{json .}}", async () => {
    const id = (await ok(["-d", "--name", "st-br", "busybox", "sleep", "600"])).trim();
    const [rx0, tx0] = await netIO(id);
    // 10 pings of 1000 bytes to the gateway: > 10 kB each way through eth0.
    const ping = await mb(["exec", id, "sh", "-c", "ping -c 10 -i 0.2 -s 1000 $(ip route | awk '/^default/ {print $3}') >/dev/null && echo pinged"]);
    expect(ping.stdout.trim()).toBe("pinged");
    const [rx1, tx1] = await netIO(id);
    expect(rx1 - rx0).toBeGreaterThanOrEqual(10_000);
    expect(tx1 - tx0).toBeGreaterThanOrEqual(10_000);
    const table = (await mb(["stats", "--no-stream", id])).stdout.split("\n");
    expect(table[0]).toContain("NET I/O");
    expect(table[1]).toMatch(/ \d[\d.]*kB \/ \d[\d.]*kB /);
    const json = JSON.parse((await mb(["stats", "--no-stream", "--format", "{{json .}}", id])).stdout);
    const [rxJ, txJ] = parseNetIO(json.NetIO);
    expect(rxJ).toBeGreaterThanOrEqual(rx1 * 0.99);
    expect(txJ).toBeGreaterThanOrEqual(tx1 * 0.99);
  }, T);

  test("--network none: 0B / 0B, whatever goes over its loopback", async () => {
    const id = (await ok(["-d", "--network", "none", "busybox", "sleep", "600"])).trim();
    expect((await mb(["exec", id, "ping", "-c", "3", "-i", "0.2", "-s", "1000", "127.0.0.1"])).code).toBe(0);
    expect((await mb(["stats", "--no-stream", "--format", "{{.NetIO}}", id])).stdout.trim()).toBe("0B / 0B");
  }, T);

  test("--network host: the host's counters", async () => {
    const id = (await ok(["-d", "--network", "host", "busybox", "sleep", "600"])).trim();
    const before = hostCounters();
    const [rx, tx] = await netIO(id);
    const after = hostCounters();
    if (after[0] === 0 && after[1] === 0) {
      console.warn("skipped: the host has no traffic on any interface but lo");
      return;
    }
    // 3 significant digits: the shown value may be rounded either way by up to 0.5%.
    expect(rx).toBeGreaterThanOrEqual(before[0] * 0.99);
    expect(rx).toBeLessThanOrEqual(after[0] * 1.01);
    expect(tx).toBeGreaterThanOrEqual(before[1] * 0.99);
    expect(tx).toBeLessThanOrEqual(after[1] * 1.01);
  }, T);
});
