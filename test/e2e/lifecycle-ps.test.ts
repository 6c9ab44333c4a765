// ps, inspect and container lookup through the compiled binary (issue #4): listing and filters, Docker's
// inspect shape, unknown and ambiguous references.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HEX64, Lifecycle, T, ZERO_TIME } from "./lifecycle-helpers.ts";

const lc = new Lifecycle("minibox-e2e-ps-");
let up: string, exited: string, created: string;

beforeAll(async () => {
  await lc.setup();
  up = await lc.runD("--name", "ps-up", "busybox", "sleep", "1000");
  created = await lc.create("--name", "ps-created", "busybox", "true");
  exited = await lc.create("--name", "ps-exited", "busybox", "sh", "-c", "exit 2");
  const r = await lc.run(["start", "-a", exited]);
  if (r.code !== 2) throw new Error(`start -a: ${r.code} ${r.stderr}`);
});
afterAll(() => lc.finish());

const names = (rows: string[]) => rows.map((r) => r.split(/\s+/).at(-1)).sort();

describe("ps", () => {
  test("running containers only by default; -a lists all with their status", async () => {
    const rows = await lc.psRows();
    expect(names(rows)).toEqual(["ps-up"]);
    expect(rows[0]).toMatch(new RegExp(`^${up.slice(0, 12)}\\s+busybox\\s+"sleep 1000"\\s+.+ ago\\s+Up .+\\s+ps-up$`));
    const all = await lc.psRows("-a");
    expect(names(all)).toEqual(["ps-created", "ps-exited", "ps-up"]);
    expect(all.find((r) => r.endsWith("ps-exited"))).toMatch(/\s+Exited \(2\) .+ ago\s+ps-exited$/);
    expect(all.find((r) => r.endsWith("ps-created"))).toMatch(/\s+Created\s+ps-created$/);
  }, T);

  test("-q prints short ids, --no-trunc full ones", async () => {
    expect(await lc.ok(["ps", "-q"])).toBe(`${up.slice(0, 12)}\n`);
    expect((await lc.ok(["ps", "-aq"])).split("\n").filter(Boolean).sort()).toEqual([up, created, exited].map((id) => id.slice(0, 12)).sort());
    expect(await lc.ok(["ps", "-q", "--no-trunc"])).toBe(`${up}\n`);
    const [row] = await lc.psRows("--no-trunc");
    expect(row!.startsWith(`${up} `)).toBe(true);
  }, T);

  test("--no-trunc does not shorten long commands", async () => {
    const long = await lc.create("--name", "ps-long", "busybox", "sh", "-c", "echo a rather long command line here");
    try {
      const short = (await lc.psRows("-a")).find((r) => r.endsWith("ps-long"))!;
      expect(short).toContain(`"sh -c echo a rather…"`);
      const full = (await lc.psRows("-a", "--no-trunc")).find((r) => r.endsWith("ps-long"))!;
      expect(full).toContain(`"sh -c echo a rather long command line here"`);
    } finally {
      await lc.ok(["rm", long]);
    }
  }, T);

  test("--format json: one valid JSON object per line, with State", async () => {
    const lines = (await lc.ok(["ps", "-a", "--format", "json"])).split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    const rows = lines.map((l) => JSON.parse(l) as Record<string, string>);
    const byName = Object.fromEntries(rows.map((r) => [r.Names, r]));
    expect(byName["ps-up"]).toMatchObject({ ID: up.slice(0, 12), Image: "busybox", State: "running", Command: `"sleep 1000"` });
    expect(byName["ps-up"]!.Status).toMatch(/^Up /);
    expect(byName["ps-exited"]).toMatchObject({ State: "exited" });
    expect(byName["ps-exited"]!.Status).toMatch(/^Exited \(2\) /);
    expect(byName["ps-created"]).toMatchObject({ State: "created", Status: "Created" });
    for (const r of rows) expect(Number.isNaN(Date.parse(r.CreatedAt!))).toBe(false);
    const running = (await lc.ok(["ps", "--format", "json"])).split("\n").filter(Boolean);
    expect(running.map((l) => (JSON.parse(l) as { Names: string }).Names)).toEqual(["ps-up"]);
  }, T);

  test("--filter name= and status= (status implies -a); filters combine", async () => {
    expect(names(await lc.psRows("-a", "--filter", "name=ps-ex"))).toEqual(["ps-exited"]);
    expect(names(await lc.psRows("-a", "--filter", "name=ps-"))).toEqual(["ps-created", "ps-exited", "ps-up"]);
    expect(names(await lc.psRows("--filter", "status=exited"))).toEqual(["ps-exited"]);
    expect(names(await lc.psRows("--filter", "status=created"))).toEqual(["ps-created"]);
    expect(names(await lc.psRows("--filter", "status=running"))).toEqual(["ps-up"]);
    expect(names(await lc.psRows("-a", "--filter", "name=ps-", "--filter", "status=exited"))).toEqual(["ps-exited"]);
    expect(await lc.psRows("-a", "--filter", "name=nobody")).toEqual([]);
    const bad = await lc.run(["ps", "--filter", "colour=red"]);
    expect(bad.code).toBe(1); // compat-sys: Docker's status and words
    expect(bad.stderr).toContain("Invalid filter 'colour'");
  }, T);
});

describe("inspect", () => {
  test("a running container: State, Name, Config, HostConfig.RestartPolicy", async () => {
    const id = await lc.runD("--name", "insp", "--restart", "on-failure:3", "--stop-timeout", "4", "busybox", "sleep", "1000");
    try {
      const s = await lc.inspect("insp");
      expect(s.Id).toBe(id);
      expect(s.Name).toBe("/insp");
      expect(s.State).toMatchObject({ Status: "running", Running: true, Paused: false, ExitCode: 0, OOMKilled: false, FinishedAt: ZERO_TIME });
      const init = await lc.initOf(id);
      expect(s.State.Pid).toBe(init.pid);
      expect(Math.abs(Date.now() - Date.parse(s.State.StartedAt))).toBeLessThan(60_000);
      expect(s.Config).toMatchObject({ Cmd: ["sleep", "1000"], Image: "busybox", StopSignal: "SIGTERM", StopTimeout: 4, Hostname: id.slice(0, 12) });
      expect(s.HostConfig.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 3 });
      expect(s.HostConfig.AutoRemove).toBe(false);
      expect(s.RestartCount).toBe(0);

      await lc.ok(["kill", "insp"]); // by the user: the restart policy does not apply
      const after = await lc.inspect(id);
      expect(after.State).toMatchObject({ Status: "exited", Running: false, Pid: 0, ExitCode: 137, OOMKilled: false });
      expect(after.State.StartedAt).toBe(s.State.StartedAt);
      expect(Date.parse(after.State.FinishedAt)).toBeGreaterThanOrEqual(Date.parse(s.State.StartedAt));
      expect(after.RestartCount).toBe(0);
    } finally {
      await lc.ok(["rm", "-f", id]);
    }
  }, T);

  test("a created container; several at once; by id, short id and /name", async () => {
    const all = JSON.parse(await lc.ok(["inspect", created, up.slice(0, 12), "/ps-exited"])) as { Id: string; State: { Status: string; StartedAt: string; ExitCode: number } }[];
    expect(all.map((s) => s.Id)).toEqual([created, up, exited]);
    expect(all[0]!.State).toMatchObject({ Status: "created", StartedAt: ZERO_TIME, ExitCode: 0 });
    expect(all[2]!.State).toMatchObject({ Status: "exited", ExitCode: 2 });
    expect((await lc.inspect("ps-created")).HostConfig.RestartPolicy).toEqual({ Name: "no", MaximumRetryCount: 0 });
  }, T);

  test("OOMKilled is reported when the kernel killed the container for memory", async () => {
    const id = await lc.runD("--memory", "8m", "--memory-swap", "8m", "busybox", "sh", "-c", "x=a; while :; do x=$x$x; done");
    try {
      const s = await lc.recordedExit(id, 30_000);
      expect([s.State.OOMKilled, s.State.ExitCode]).toEqual([true, 137]);
    } finally {
      await lc.ok(["rm", "-f", id]);
    }
  }, T);
});

describe("lookup", () => {
  test("an unknown container: exit 1, No such container", async () => {
    // compat: `rm -f nosuch` exits 0 as docker/cli ≥ 23 (test/e2e/format.test.ts)
    for (const verb of [["stop"], ["kill"], ["rm"], ["start"], ["restart"], ["pause"], ["wait"], ["container", "inspect"]]) {
      const r = await lc.run([...verb, "nosuch"]);
      expect([verb.join(" "), r.code]).toEqual([verb.join(" "), 1]);
      expect(r.stderr).toContain("No such container: nosuch");
    }
    const r = await lc.run(["inspect", "nosuch"]); // neither container nor image
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No such object: nosuch");
    expect(r.stdout.trim()).toBe("[]");
  }, T);

  test("one bad reference among good ones: the good ones are acted on, exit 1", async () => {
    const a = await lc.create("busybox", "true");
    const r = await lc.run(["rm", a, "nosuch"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${a}\n`);
    expect(r.stderr).toContain("No such container: nosuch");
    expect(lc.containerIds()).not.toContain(a);
  }, T);

  test("an ambiguous id prefix: exit 1, Multiple IDs found", async () => {
    // Pigeonhole: among 17 ids two share their first hex digit; create until they do.
    const seen = new Map<string, string>();
    const made: string[] = [];
    let digit: string | undefined;
    while (digit === undefined) {
      const id = await lc.create("busybox", "true");
      made.push(id);
      if (seen.has(id[0]!)) digit = id[0]!;
      seen.set(id[0]!, id);
    }
    try {
      for (const verb of ["inspect", "rm", "stop"]) {
        const r = await lc.run([verb, digit]);
        expect([verb, r.code]).toEqual([verb, 1]);
        expect(r.stderr).toContain(`Multiple IDs found with provided prefix: ${digit}`);
      }
      // A longer, unique prefix works.
      const one = made[made.length - 1]!;
      expect((await lc.inspect(one.slice(0, 16))).Id).toBe(one);
      expect(lc.containerIds()).toHaveLength(made.length + 3);
    } finally {
      await lc.ok(["rm", ...made]);
    }
    for (const id of made) expect(id).toMatch(HEX64);
  }, T);
});
