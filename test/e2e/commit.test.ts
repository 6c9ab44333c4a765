// diff, export, commit, image history and import --change through the compiled binary; the committed
// image is saved and loaded by podman (run with runc: crun refuses this host's hybrid cgroups) or at
// least inspected by skopeo.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTar } from "../../src/image/tar/reader.ts";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { BINARY } from "./harness.ts";
import { T, lines, useRunSandbox } from "./run-helpers.ts";

// The base image for the changes below: busybox plus /opq/old, itself made by a commit.
const ctx = useRunSandbox("minibox-e2e-commit-", async (c) => {
  const run = await c.sb.run(["run", "--name", "base", "busybox", "sh", "-c", "mkdir /opq; echo old > /opq/old"]);
  if (run.code !== 0) throw new Error(`base run: ${run.stderr}`);
  const commit = await c.sb.run(["commit", "base", "withopq:latest"]);
  if (commit.code !== 0) throw new Error(`base commit: ${commit.stderr}`);
  await c.sb.run(["rm", "base"]);
});
const temps: string[] = [];
const containers: string[] = [];
afterEach(async () => {
  if (containers.length) await ctx.sb.run(["rm", "-f", ...containers.splice(0)]);
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});
const mb = (args: string[], opts?: Parameters<typeof ctx.sb.run>[1]) => ctx.sb.run(args, opts);
async function ok(args: string[], opts?: Parameters<typeof ctx.sb.run>[1]): Promise<string> {
  const r = await mb(args, opts);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")}: ${r.code} ${r.stderr}`);
  return r.stdout;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "minibox-commit-"));
  temps.push(d);
  return d;
}
async function tarEntries(bytes: Uint8Array): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of readTar((async function* () { yield bytes; })())) out.set(e.name, e.type === "file" ? new TextDecoder().decode(await e.bytes()) : e.type);
  return out;
}
/** The kernel's view of a process's freezer cgroup (v1 freezer.state, or v2 cgroup.freeze). */
function freezerState(pid: number): string {
  const cg = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const v1 = cg.find((l) => /^\d+:([^:]*,)?freezer(,[^:]*)?:/.test(l));
  if (v1) return readFileSync(`/sys/fs/cgroup/freezer${v1.split(":")[2]}/freezer.state`, "utf8").trim();
  const v2 = cg.find((l) => l.startsWith("0::"))!;
  return `frozen:${readFileSync(`/sys/fs/cgroup${v2.slice(3)}/cgroup.freeze`, "utf8").trim()}`;
}

/** A stopped container that added /new, deleted /etc/group, changed /etc/passwd and replaced /etc/init.d-like dir /opq. */
async function changedContainer(name: string): Promise<void> {
  containers.push(name);
  await ok(["run", "--name", name, "withopq", "sh", "-c",
    "echo new > /new; rm /etc/group; echo extra >> /etc/passwd; mkdir -p /tmp/d; rm -rf /opq; mkdir /opq; echo fresh > /opq/fresh"]);
}

describe("diff and export", () => {
  test("diff lists A/C/D sorted, whiteouts and opaque dirs as deletions, not the init's mount points", async () => {
    await changedContainer("differ");
    const out = lines(await ok(["diff", "differ"]));
    expect(out).toContain("A /new");
    expect(out).toContain("D /etc/group");
    expect(out).toContain("C /etc/passwd");
    expect(out).toContain("C /etc");
    expect(out).toContain("D /opq/old");
    expect(out).toContain("A /opq/fresh");
    expect(out.some((l) => l.endsWith("/etc/resolv.conf"))).toBe(false);
    const paths = out.map((l) => l.slice(2));
    expect(paths).toEqual([...paths].sort());
    for (const l of out) expect(l).toMatch(/^[ACD] \//);
  }, T);

  test("export writes the merged filesystem; -o refuses a file that is not regular and leaves no partial file", async () => {
    await changedContainer("exporter");
    const dir = tempDir();
    // the temp file of an export killed earlier (its pid is gone) is cleaned up by the next one
    writeFileSync(join(dir, ".fs.tar.minibox-tmp-999999999-dead"), "half an archive");
    await ok(["export", "-o", join(dir, "fs.tar"), "exporter"]);
    expect(readdirSync(dir)).toEqual(["fs.tar"]);
    const entries = await tarEntries(readFileSync(join(dir, "fs.tar")));
    expect(entries.get("new")).toBe("new\n");
    expect(entries.get("etc/passwd")).toContain("extra");
    expect(entries.has("etc/group")).toBe(false);
    expect(entries.has("bin/busybox")).toBe(true);
    expect(entries.has("opq/old")).toBe(false);
    expect(entries.get("opq/fresh")).toBe("fresh\n");
    expect([...entries.keys()].some((k) => k.startsWith("proc/") && k !== "proc/")).toBe(false);
    Bun.spawnSync(["mkfifo", join(dir, "fifo")]);
    const r = await mb(["export", "-o", join(dir, "fifo"), "exporter"]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`minibox: invalid output path: "${join(dir, "fifo")}" exists and is not a regular file`]);
    const stdout = Bun.spawnSync([BINARY, "export", "exporter"], { env: ctx.sb.env });
    expect(stdout.exitCode).toBe(0);
    expect((await tarEntries(stdout.stdout)).get("new")).toBe("new\n");
  }, T);
});

describe("commit", () => {
  test("the new image has the added file, not the deleted one, and -c CMD takes effect; history shows the commit", async () => {
    await changedContainer("committer");
    const id = (await ok(["commit", "-a", "Tester <t@example.com>", "-m", "my change", "-c", 'CMD ["cat", "/new"]', "-c", "ENV COMMITTED=yes", "committer", "committed:v1"])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ok(["run", "--rm", "committed:v1"])).toBe("new\n");
    const gone = await mb(["run", "--rm", "committed:v1", "ls", "/etc/group"]);
    expect(gone.code).not.toBe(0);
    expect(await ok(["run", "--rm", "committed:v1", "sh", "-c", "cat /opq/*; echo $COMMITTED; tail -n1 /etc/passwd; ls /tmp"])).toBe("fresh\nyes\nextra\nd\n");
    const history = lines(await ok(["image", "history", "committed:v1"]));
    expect(history[0]).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(history[1]).toContain(id.slice(7, 19));
    expect(history[1]).toContain("my change");
    expect(history).toHaveLength(4);
    const formatted = lines(await ok(["history", "--no-trunc", "--format", "{{.ID}}|{{.Comment}}", "committed:v1"]));
    expect(formatted[0]).toBe(`${id}|my change`);
    expect(lines(await ok(["history", "-q", "committed:v1"]))).toEqual([id.slice(7, 19), "<missing>", "<missing>"]);
    const inspect = JSON.parse(await ok(["image", "inspect", "committed:v1"]))[0];
    expect(inspect.Author ?? inspect.author).toBe("Tester <t@example.com>");
    // the layer is deterministic: the same upper dir committed again gives the same diffID
    const again = JSON.parse(await ok(["image", "inspect", (await ok(["commit", "committer"])).trim()]))[0];
    expect(again.RootFS.Layers).toEqual(inspect.RootFS.Layers);
  }, T);

  test("committing a running container pauses it only for the commit; a bad --change creates nothing", async () => {
    containers.push("live");
    await ok(["run", "-d", "--name", "live", "busybox", "sh", "-c", "echo live > /live; sleep 1000; true"]);
    const deadline = Date.now() + 10_000;
    while ((await mb(["exec", "live", "cat", "/live"])).stdout !== "live\n") {
      if (Date.now() > deadline) throw new Error("container never wrote /live");
      await Bun.sleep(50);
    }
    await ok(["commit", "live", "live:snap"]);
    expect((await mb(["exec", "live", "true"])).code).toBe(0); // thawed again
    // a container the user paused stays paused through a commit
    await ok(["pause", "live"]);
    await ok(["commit", "live"]);
    const state = JSON.parse(await ok(["inspect", "live"]))[0].State;
    expect(state.Paused).toBe(true);
    expect(freezerState(state.Pid)).toMatch(/^(FROZEN|frozen:1)$/);
    await ok(["unpause", "live"]);
    expect(await ok(["run", "--rm", "live:snap", "cat", "/live"])).toBe("live\n");
    const before = await ok(["images", "-q"]);
    const bad = await mb(["commit", "-c", "RUN rm -rf /", "live", "bad:one"]);
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toEqual(["minibox: RUN is not a valid change command"]);
    expect(await ok(["images", "-q"])).toBe(before);
  }, T);

  test("a committed image is saved, loaded by podman and runs there (or is read by skopeo)", async () => {
    await changedContainer("portable");
    await ok(["commit", "portable", "portable:v1"]);
    const dir = tempDir();
    const archive = join(dir, "portable.tar");
    await ok(["save", "-o", archive, "portable:v1"]);
    const skopeo = Bun.spawnSync(["skopeo", "inspect", `docker-archive:${archive}`]);
    if (skopeo.exitCode !== 0 && !existsSync("/usr/bin/podman")) {
      console.warn("skipped: neither skopeo nor podman can read images here");
      return;
    }
    if (skopeo.exitCode === 0) expect(JSON.parse(skopeo.stdout.toString()).Layers).toHaveLength(3);
    if (!existsSync("/usr/bin/podman") || !existsSync("/usr/sbin/runc") && !existsSync("/usr/bin/runc")) {
      console.warn("skipped the podman half: podman or runc is not installed");
      return;
    }
    const podman = ["podman", "--root", join(dir, "proot"), "--runroot", join(dir, "prun"), "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--runtime", "runc"];
    try {
      const load = Bun.spawnSync([...podman, "load", "-i", archive]);
      expect(load.exitCode).toBe(0);
      const run = (cmd: string[]) => Bun.spawnSync([...podman, "run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "docker.io/library/portable:v1", ...cmd]);
      const cat = run(["cat", "/new"]);
      expect(cat.stderr.toString()).toBe("");
      expect(cat.stdout.toString()).toBe("new\n");
      expect(run(["ls", "/etc/group"]).exitCode).not.toBe(0);
      expect(run(["ls", "/opq"]).stdout.toString()).toBe("fresh\n");
    } finally {
      for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n").reverse()) {
        const mp = line.split(" ")[4];
        if (mp?.startsWith(dir)) Bun.spawnSync(["umount", "-l", mp]);
      }
    }
  }, 120_000);
});

describe("import --change / --message", () => {
  test("the changes land in the config and the message in the history", async () => {
    const tar = tarBytes([{ name: "hello", body: "imported\n" }]);
    const id = (await ok(["import", "-c", 'CMD ["/hello"]', "-c", "ENV X=1", "-c", "WORKDIR /w", "-m", "from a tarball", "-", "imported:v1"], { stdin: tar })).trim();
    const inspect = JSON.parse(await ok(["image", "inspect", id]))[0];
    const cfg = inspect.Config ?? inspect.config;
    expect(cfg.Cmd).toEqual(["/hello"]);
    expect(cfg.Env).toEqual(["X=1"]);
    expect(cfg.WorkingDir).toBe("/w");
    expect(lines(await ok(["history", "--format", "{{.Comment}}", "imported:v1"]))).toEqual(["from a tarball"]);
    const bad = await mb(["import", "-c", "FROB x", "-", "never:v1"], { stdin: tar });
    expect(bad.code).toBe(1);
    expect(lines(bad.stderr)).toHaveLength(1);
    expect((await mb(["image", "inspect", "never:v1"])).code).not.toBe(0);
  }, T);
});
