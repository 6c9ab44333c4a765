// `system df`, `system prune` and the prune filters (until=, label=) of container/image/network/volume
// prune, on the compiled binary, with Docker's tables, prompt, summaries and messages.
import { describe, expect, test } from "bun:test";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-prune-", async (c) => {
  await c.load("old.tar", { name: "old/labelled:1", created: "2020-01-01T00:00:00Z", config: { Labels: { tier: "old" } } });
  await c.load("new.tar", { name: "new/plain:1", created: "2025-06-01T00:00:00Z", config: { Cmd: ["true"] } });
});
const mb = (args: string[], stdin?: string) => ctx.sb.run(args, stdin === undefined ? {} : { stdin });
async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await mb(args, stdin);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const names = async () => lines(await ok(["ps", "-a", "--format", "{{.Names}}"])).sort();
const future = () => String(Math.floor(Date.now() / 1000) + 3600);

describe("container prune", () => {
  test("--filter until= and label=/label!=; Docker's summary with the reclaimed space", async () => {
    await ok(["create", "--name", "cp-a", "busybox", "true"]);
    await ok(["run", "--name", "cp-b", "busybox", "sh", "-c", "echo x > /file"]);
    // Created just now: nothing is older than an hour.
    expect(await ok(["container", "prune", "-f", "--filter", "until=1h"])).toBe("Total reclaimed space: 0B\n");
    // No container has the label: label= keeps everything, label!= takes everything stopped.
    expect(await ok(["container", "prune", "-f", "--filter", "label=nope"])).toBe("Total reclaimed space: 0B\n");
    expect(await names()).toEqual(["cp-a", "cp-b"]);
    const out = lines(await ok(["container", "prune", "-f", "--filter", "label!=nope", "--filter", `until=${future()}`]));
    expect(out[0]).toBe("Deleted Containers:");
    expect(out.slice(1, -1)).toHaveLength(2);
    expect(out.at(-1)).toMatch(/^Total reclaimed space: [0-9.]+k?B$/);
    expect(out.at(-1)).not.toBe("Total reclaimed space: 0B"); // cp-b wrote a file
    expect(await names()).toEqual([]);
    const bad = await mb(["container", "prune", "-f", "--filter", "colour=red"]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(lines(bad.stderr)).toEqual(["minibox: invalid filter 'colour'"]);
  }, T);
});

describe("image prune", () => {
  test("-a removes every image no container uses; --filter until= and label= narrow it", async () => {
    const user = (await ok(["create", "new/plain:1"])).trim();
    // Only dangling ones without -a: none here.
    expect(await ok(["image", "prune", "-f"])).toBe("Total reclaimed space: 0B\n");
    // old/labelled is from 2020, busybox from 2024: until=2023 takes only the old one, label=tier=x none.
    expect(await ok(["image", "prune", "-a", "-f", "--filter", "label=tier=x"])).toBe("Total reclaimed space: 0B\n");
    const out = await ok(["image", "prune", "-a", "-f", "--filter", "until=2023-01-01T00:00:00Z"]);
    expect(out).toContain("untagged: old/labelled:1");
    expect(out).toMatch(/deleted: sha256:[0-9a-f]{64}/);
    const left = lines(await ok(["images", "--format", "{{.Repository}}"])).sort();
    expect(left).toEqual(["busybox", "new/plain"]);
    await ok(["rm", user]);
  }, T);
});

describe("network and volume prune", () => {
  test("--filter label= keeps what does not match", async () => {
    await ok(["network", "create", "--label", "keep=yes", "pn-keep"]);
    await ok(["network", "create", "pn-drop"]);
    expect(await ok(["network", "prune", "-f", "--filter", "label!=keep"])).toBe("Deleted Networks:\npn-drop\n\n");
    expect(await ok(["network", "ls"])).toContain("pn-keep");
    await ok(["network", "rm", "pn-keep"]);
    await ok(["volume", "create", "--label", "keep=yes", "pv-keep"]);
    await ok(["volume", "create", "pv-drop"]);
    const out = await ok(["volume", "prune", "-a", "-f", "--filter", "label!=keep"]);
    expect(out).toContain("pv-drop");
    expect(out).not.toContain("pv-keep");
    expect(lines(await ok(["volume", "ls", "-q"]))).toEqual(["pv-keep"]);
    await ok(["volume", "rm", "pv-keep"]);
  }, T);
});

describe("system df", () => {
  test("Docker's table, -v sections and --format fields", async () => {
    const id = (await ok(["run", "-d", "--name", "df-run", "-v", "df-vol:/data", "busybox", "sh", "-c", "echo 12345 > /data/f; sleep 1000"])).trim();
    try {
      const table = lines(await ok(["system", "df"]));
      expect(table[0]).toMatch(/^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$/);
      expect(table.slice(1).map((l) => l.split(/ {2,}/)[0])).toEqual(["Images", "Containers", "Local Volumes", "Build Cache"]);
      expect(table[1]).toMatch(/^Images +\d +1 +\S+ +\S+ \(\d+%\)$/);
      expect(table[2]).toMatch(/^Containers +1 +1 +\S+ +0B( \(0%\))?$/);
      expect(table[3]).toMatch(/^Local Volumes +1 +1 +\S+ +0B( \(0%\))?$/);
      const rows = lines(await ok(["system", "df", "--format", "{{json .}}"])).map((l) => JSON.parse(l) as Record<string, string>);
      expect(Object.keys(rows[0]!).sort()).toEqual(["Active", "Reclaimable", "Size", "TotalCount", "Type"]);
      expect(rows.map((r) => r.Type)).toEqual(["Images", "Containers", "Local Volumes", "Build Cache"]);
      const verbose = await ok(["system", "df", "-v"]);
      for (const heading of ["Images space usage:", "Containers space usage:", "Local Volumes space usage:", "Build cache usage: "]) expect(verbose).toContain(heading);
      expect(verbose).toMatch(/REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS/);
      expect(verbose).toContain(id.slice(0, 12));
      expect(verbose).toMatch(/\ndf-vol +1 +\S+B\n/);
    } finally {
      await mb(["rm", "-f", "df-run"]);
      await mb(["volume", "rm", "df-vol"]);
    }
  }, T);
});

describe("system prune", () => {
  test("asks first (no answer: nothing removed), then prunes with Docker's summary", async () => {
    await ok(["create", "--name", "sp-stopped", "busybox", "true"]);
    await ok(["network", "create", "sp-net"]);
    const declined = await mb(["system", "prune"], "n\n");
    expect(declined.code).toBe(0);
    expect(declined.stdout).toContain("WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - all dangling build cache\n\nAre you sure you want to continue? [y/N] ");
    expect(await names()).toEqual(["sp-stopped"]);
    const out = await ok(["system", "prune", "-a", "--volumes"], "y\n");
    expect(out).toContain("  - all images without at least one container associated to them");
    expect(out).toContain("  - all anonymous volumes not used by at least one container");
    expect(out).toContain("Deleted Containers:\n");
    expect(out).toContain("Deleted Networks:\nsp-net\n");
    expect(out).toContain("untagged: busybox:latest");
    expect(lines(out).at(-1)).toMatch(/^Total reclaimed space: \S+$/);
    expect(await names()).toEqual([]);
    expect(lines(await ok(["images", "-q"]))).toEqual([]);
  }, T);
});
