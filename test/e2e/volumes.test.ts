// Volumes end to end, against the compiled binary and the real kernel: named and anonymous volumes,
// copy-up from the image (owners, modes, symlinks, xattrs), nocopy, sharing, --volumes-from, rm -v,
// run --rm, prune, in-use refusal, every --mount option as the container's /proc/self/mountinfo shows
// it, and bad input (one line, Docker's exit code, nothing created).
import { describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { busyboxRootfsEntries, dockerArchive, imageFromLayers } from "../fixtures/images.ts";
import { tarBytes, type TarWriteEntry } from "../../src/image/tar/writer.ts";
import { lgetxattr } from "../../src/sys/fs.ts";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const MTIME = 1_700_000_000;

// An image with /srv/app owned 1000:1000 mode 0750, a private file, a symlink that points out of the
// image (copied as a link, never followed), an xattr; and a VOLUME at /srv/declared with content.
const appEntries = (): TarWriteEntry[] => [
  ...busyboxRootfsEntries(),
  { name: "srv", type: "dir", mode: 0o755, mtime: MTIME },
  { name: "srv/app", type: "dir", mode: 0o750, uid: 1000, gid: 1000, mtime: MTIME },
  { name: "srv/app/secret.txt", body: "image content\n", mode: 0o640, uid: 1000, gid: 50, mtime: MTIME, xattrs: { "user.origin": "image" } },
  { name: "srv/app/escape", type: "symlink", linkname: "/etc/shadow-of-host", mtime: MTIME },
  { name: "srv/app/sub", type: "dir", mode: 0o1777, mtime: MTIME },
  { name: "srv/app/sub/deep.txt", body: "deep\n", mode: 0o600, uid: 1000, gid: 1000, mtime: MTIME },
  { name: "srv/declared", type: "dir", mode: 0o755, mtime: MTIME },
  { name: "srv/declared/seed.txt", body: "seeded\n", mtime: MTIME },
];

// Hostile images: the mount path itself is a symlink out of the image (absolute, and relative with "..").
const linkEntries = (): TarWriteEntry[] => [
  ...busyboxRootfsEntries(),
  { name: "abs", type: "symlink", linkname: "/etc", mtime: MTIME },
  { name: "srv", type: "dir", mode: 0o755, mtime: MTIME },
  { name: "srv/rel", type: "symlink", linkname: "../../../../../../etc", mtime: MTIME },
];

const ctx = useRunSandbox("minibox-e2e-volumes-", async (c) => {
  const links = join(c.base, "links.tar");
  writeFileSync(links, dockerArchive(imageFromLayers([tarBytes(linkEntries())], { name: "links:latest" })));
  const l = await c.sb.run(["load", "-i", links]);
  if (l.code !== 0) throw new Error(`load failed: ${l.stderr}`);
  const archive = join(c.base, "app.tar");
  writeFileSync(archive, dockerArchive(imageFromLayers([tarBytes(appEntries())], {
    name: "app:latest", config: { Volumes: { "/srv/declared": {} } },
  })));
  const r = await c.sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
const mb = (args: string[]) => ctx.sb.run(args);
const volumeNames = async () => lines((await mb(["volume", "ls", "-q"])).stdout);
const dataDir = (name: string) => join(ctx.sb.root, "volumes", name, "_data");

async function mustOk(args: string[]): Promise<string> {
  const r = await mb(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Polls until `check` is true or fails after the deadline (no sleeps as synchronisation). */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** The mountinfo line of `path` inside the container, split into its fields. */
function mountinfoLine(mountinfo: string, path: string): string | undefined {
  return mountinfo.split("\n").find((l) => l.split(" ")[4] === path);
}

async function cleanVolumes(): Promise<void> {
  await mb(["rm", "-f", ...ctx.containerIds()]);
  const names = await volumeNames();
  if (names.length) await mb(["volume", "rm", "-f", ...names]);
}

describe("named volumes", () => {
  test("data persists across containers: write, rm, run again, read", async () => {
    try {
      await ctx.ok(["--name", "writer", "-v", "keep:/data", "busybox", "sh", "-c", "echo persisted > /data/f"]);
      await mustOk(["rm", "writer"]);
      expect(await ctx.ok(["--rm", "-v", "keep:/data", "busybox", "cat", "/data/f"])).toBe("persisted\n");
      expect(await volumeNames()).toEqual(["keep"]);
      const st = statSync(dataDir("keep"));
      expect(st.mode & 0o7777).toBe(0o755);
      expect(statSync(join(ctx.sb.root, "volumes")).mode & 0o777).toBe(0o700);
      expect(JSON.parse(readFileSync(join(ctx.sb.root, "volumes", "keep", "volume.json"), "utf8"))).toMatchObject({ Name: "keep", Driver: "local", Anonymous: false });
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("copy-up: a new volume gets the image's directory with owners, modes, symlinks and xattrs", async () => {
    try {
      const out = await ctx.ok(["--rm", "-v", "appdata:/srv/app", "app", "sh", "-c",
        "stat -c '%n %u:%g %a' /srv/app /srv/app/secret.txt /srv/app/sub /srv/app/sub/deep.txt; cat /srv/app/secret.txt; readlink /srv/app/escape"]);
      expect(lines(out)).toEqual([
        "/srv/app 1000:1000 750", "/srv/app/secret.txt 1000:50 640", "/srv/app/sub 0:0 1777", "/srv/app/sub/deep.txt 1000:1000 600",
        "image content", "/etc/shadow-of-host",
      ]);
      // On the host: the same, the link is a link (never followed), the xattr kept.
      const data = dataDir("appdata");
      expect(lstatSync(join(data, "escape")).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(data, "escape"))).toBe("/etc/shadow-of-host");
      expect(lgetxattr(join(data, "secret.txt"), "user.origin")?.toString()).toBe("image");
      expect(statSync(join(data, "secret.txt")).mtimeMs).toBe(MTIME * 1000);
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("an existing volume with content is not overwritten by copy-up; an empty one is filled", async () => {
    try {
      await mustOk(["volume", "create", "prefilled"]);
      await ctx.ok(["--rm", "-v", "prefilled:/data", "busybox", "sh", "-c", "echo mine > /data/own"]);
      expect(await ctx.ok(["--rm", "-v", "prefilled:/srv/app", "app", "ls", "/srv/app"])).toBe("own\n");
      await mustOk(["volume", "create", "empty"]);
      expect(lines(await ctx.ok(["--rm", "-v", "empty:/srv/app", "app", "ls", "/srv/app"]))).toEqual(["escape", "secret.txt", "sub"]);
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("copy-up through an image symlink (absolute or ../..) reads the image's target, never the host's", async () => {
    try {
      const imageEtc = ["group", "hostname", "hosts", "passwd"];
      await ctx.ok(["--rm", "-v", "viaabs:/abs", "links", "true"]);
      await ctx.ok(["--rm", "-v", "viarel:/srv/rel", "links", "true"]);
      expect(readdirSync(dataDir("viaabs")).sort()).toEqual(imageEtc);
      expect(readdirSync(dataDir("viarel")).sort()).toEqual(imageEtc);
      expect(readFileSync(join(dataDir("viaabs"), "passwd"), "utf8")).toContain("app:x:1000:1000");
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("nocopy: the volume stays empty", async () => {
    try {
      expect(await ctx.ok(["--rm", "-v", "bare:/srv/app:nocopy", "app", "ls", "-A", "/srv/app"])).toBe("");
      expect(readdirSync(dataDir("bare"))).toEqual([]);
      expect(await ctx.ok(["--rm", "--mount", "type=volume,src=bare2,dst=/srv/app,volume-nocopy", "app", "ls", "-A", "/srv/app"])).toBe("");
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("two running containers share one volume", async () => {
    try {
      await mustOk(["run", "-d", "--name", "one", "-v", "shared:/s", "busybox", "sh", "-c",
        "while [ ! -f /s/from-two ]; do sleep 0.05; done; cat /s/from-two > /s/ack; sleep 600"]);
      await mustOk(["run", "-d", "--name", "two", "-v", "shared:/s", "busybox", "sh", "-c", "echo hello-one > /s/from-two; sleep 600"]);
      await until("the first container's ack", () => existsSync(join(dataDir("shared"), "ack")));
      await until("the ack's content", () => readFileSync(join(dataDir("shared"), "ack"), "utf8") === "hello-one\n");
    } finally {
      await cleanVolumes();
    }
  }, T);
});

describe("anonymous volumes", () => {
  test("-v /path and the image's VOLUME make anonymous volumes; the image's one is copied up", async () => {
    try {
      const out = await ctx.ok(["--name", "anon", "-v", "/scratch", "app", "sh", "-c", "cat /srv/declared/seed.txt; echo x > /scratch/x"]);
      expect(out).toBe("seeded\n");
      const names = await volumeNames();
      expect(names.length).toBe(2);
      for (const n of names) expect(n).toMatch(/^[0-9a-f]{64}$/);
      const inspect = JSON.parse(await mustOk(["inspect", "anon"]))[0];
      const mounts = inspect.Mounts as Record<string, unknown>[];
      expect(mounts.map((m) => m.Destination).sort()).toEqual(["/scratch", "/srv/declared"]);
      for (const m of mounts) {
        expect(Object.keys(m).sort()).toEqual(["Destination", "Driver", "Mode", "Name", "Propagation", "RW", "Source", "Type"]);
        expect(m).toMatchObject({ Type: "volume", Driver: "local", RW: true });
        expect(m.Source).toBe(dataDir(m.Name as string));
      }
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("rm -v removes the container's anonymous volumes, not named ones; rm alone keeps them", async () => {
    try {
      await ctx.ok(["--name", "a1", "-v", "/anon", "-v", "named1:/named", "busybox", "true"]);
      expect((await volumeNames()).length).toBe(2);
      await mustOk(["rm", "-v", "a1"]);
      expect(await volumeNames()).toEqual(["named1"]);
      await ctx.ok(["--name", "a2", "-v", "/anon", "busybox", "true"]);
      await mustOk(["rm", "a2"]);
      expect((await volumeNames()).length).toBe(2);
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("run --rm removes anonymous volumes (foreground and detached), keeps named ones", async () => {
    try {
      await ctx.ok(["--rm", "-v", "/anon", "-v", "named2:/named", "busybox", "true"]);
      expect(await volumeNames()).toEqual(["named2"]);
      await mustOk(["run", "-d", "--rm", "--name", "bg", "-v", "/anon", "busybox", "true"]);
      await until("the detached --rm container to go", () => ctx.containerIds().length === 0);
      await until("its anonymous volume to go", () => readdirSync(join(ctx.sb.root, "volumes")).length === 1);
      expect(await volumeNames()).toEqual(["named2"]);
    } finally {
      await cleanVolumes();
    }
  }, T);
});

describe("--volumes-from", () => {
  test("mounts the donor's volumes and binds, ro with :ro", async () => {
    const host = mkdtempSync(join(tmpdir(), "minibox-vf-"));
    try {
      writeFileSync(join(host, "h.txt"), "host file\n");
      await ctx.ok(["--name", "donor", "-v", "vf:/data", "-v", `${host}:/hostdir`, "-v", "/anon", "busybox", "sh", "-c", "echo donated > /data/d"]);
      expect(lines(await ctx.ok(["--rm", "--volumes-from", "donor", "busybox", "sh", "-c", "cat /data/d /hostdir/h.txt; echo y > /anon/y && echo wrote"])))
        .toEqual(["donated", "host file", "wrote"]);
      const r = await ctx.run(["--rm", "--volumes-from", "donor:ro", "busybox", "sh", "-c", "cat /data/d; echo no > /data/n"]);
      expect(r.stdout).toBe("donated\n");
      expect(r.stderr).toContain("Read-only file system");
      expect(r.code).not.toBe(0);
      // run --rm of the borrower does not take the donor's anonymous volume
      expect((await volumeNames()).length).toBe(2);
      const missing = await ctx.run(["--rm", "--volumes-from", "nosuchctr", "busybox", "true"]);
      expect(missing.code).toBe(125);
      expect(missing.stderr.trim()).toBe("minibox: No such container: nosuchctr");
    } finally {
      await cleanVolumes();
      rmSync(host, { recursive: true, force: true });
    }
  }, T);
});

describe("volume commands", () => {
  test("create, inspect, ls filters and formats, rm", async () => {
    try {
      expect(await mustOk(["volume", "create", "--label", "tier=db", "--label", "x", "lab"])).toBe("lab\n");
      expect(await mustOk(["volume", "create", "lab"])).toBe("lab\n"); // existing: same answer, as Docker
      const anon = (await mustOk(["volume", "create"])).trim();
      expect(anon).toMatch(/^[0-9a-f]{64}$/);
      const [info] = JSON.parse(await mustOk(["volume", "inspect", "lab"]));
      expect(info).toMatchObject({ Name: "lab", Driver: "local", Labels: { tier: "db", x: "" }, Scope: "local", Mountpoint: dataDir("lab"), Options: null });
      expect(await mustOk(["volume", "inspect", "--format", "{{.Mountpoint}}", "lab"])).toBe(`${dataDir("lab")}\n`);
      await ctx.ok(["--name", "user", "-v", "lab:/x", "busybox", "true"]);
      expect(lines(await mustOk(["volume", "ls", "-q", "--filter", "dangling=true"]))).toEqual([anon]);
      expect(lines(await mustOk(["volume", "ls", "-q", "--filter", "dangling=false"]))).toEqual(["lab"]);
      expect(lines(await mustOk(["volume", "ls", "-q", "--filter", "label=tier=db"]))).toEqual(["lab"]);
      expect(lines(await mustOk(["volume", "ls", "-q", "--filter", "label=tier=web"]))).toEqual([]);
      expect(lines(await mustOk(["volume", "ls", "-q", "--filter", "name=la"]))).toEqual(["lab"]);
      const json = lines(await mustOk(["volume", "ls", "--format", "json", "--filter", "name=lab"])).map((l) => JSON.parse(l));
      expect(json).toEqual([expect.objectContaining({ Name: "lab", Driver: "local", Mountpoint: dataDir("lab"), Labels: "tier=db,x=" })]);
      expect(lines(await mustOk(["volume", "ls"]))[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);

      // in use (by a stopped container, as in Docker): refused, exit 1, one line, the volume stays
      const inUse = await mb(["volume", "rm", "lab"]);
      expect(inUse.code).toBe(1);
      expect(lines(inUse.stderr)).toEqual([expect.stringMatching(/^minibox: remove lab: volume is in use - \[[0-9a-f]{64}\]$/)]);
      expect(await volumeNames()).toContain("lab");
      await mustOk(["rm", "user"]);
      expect(await mustOk(["volume", "rm", "lab"])).toBe("lab\n");
      const gone = await mb(["volume", "rm", "lab"]);
      expect(gone.code).toBe(1);
      expect(gone.stderr.trim()).toBe("minibox: No such volume: lab");
      expect((await mb(["volume", "rm", "-f", "lab"])).code).toBe(0);
      const inspectMissing = await mb(["volume", "inspect", "lab"]);
      expect(inspectMissing.code).toBe(1);
      expect(inspectMissing.stderr.trim()).toBe("minibox: No such volume: lab");
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("prune removes unused anonymous volumes only; -a every unused one; used ones stay", async () => {
    try {
      await mustOk(["volume", "create", "unused-named"]);
      await ctx.ok(["--name", "holder", "-v", "/held", "-v", "used-named:/u", "busybox", "true"]);
      await ctx.ok(["--name", "gone", "-v", "/orphan", "busybox", "true"]);
      const orphan = (JSON.parse(await mustOk(["inspect", "gone"]))[0].Mounts as { Name: string }[])[0]!.Name;
      await mustOk(["rm", "gone"]);
      const pruned = await mustOk(["volume", "prune", "-f"]);
      expect(lines(pruned)).toEqual(["Deleted Volumes:", orphan, expect.stringMatching(/^Total reclaimed space: /)]);
      expect((await volumeNames()).length).toBe(3); // held anonymous, used-named, unused-named
      const all = await mustOk(["volume", "prune", "-a", "-f"]);
      expect(lines(all)).toEqual(["Deleted Volumes:", "unused-named", expect.stringMatching(/^Total reclaimed space: /)]);
      expect((await volumeNames()).sort()).toContain("used-named");
      expect((await volumeNames()).length).toBe(2);
      await mustOk(["container", "prune", "-f"]);
      expect((await volumeNames()).length).toBe(2); // container prune never removes volumes
    } finally {
      await cleanVolumes();
    }
  }, T);

  test("a bind volume (--opt type=none,o=bind,device=DIR) mounts that directory", async () => {
    const host = mkdtempSync(join(tmpdir(), "minibox-voldev-"));
    try {
      writeFileSync(join(host, "on-device"), "dev\n");
      await mustOk(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${host}`, "dev"]);
      expect(await ctx.ok(["--rm", "-v", "dev:/d", "busybox", "sh", "-c", "cat /d/on-device; echo back > /d/from-ctr"])).toBe("dev\n");
      expect(readFileSync(join(host, "from-ctr"), "utf8")).toBe("back\n");
      expect(JSON.parse(await mustOk(["volume", "inspect", "dev"]))[0].Options).toEqual({ type: "none", o: "bind", device: host });
    } finally {
      await cleanVolumes();
      rmSync(host, { recursive: true, force: true });
    }
  }, T);

  test("a tmpfs volume (--opt type=tmpfs) is mounted in the container only, fresh each time", async () => {
    try {
      await mustOk(["volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=2m,mode=1770", "ram"]);
      const info = await ctx.ok(["--rm", "-v", "ram:/ram", "busybox", "sh", "-c", "echo x > /ram/x; cat /proc/self/mountinfo"]);
      const line = mountinfoLine(info, "/ram");
      expect(line).toBeDefined();
      expect(line).toContain(" - tmpfs ");
      expect(line).toContain("size=2048k");
      expect(line).toContain("mode=1770");
      expect(await ctx.ok(["--rm", "-v", "ram:/ram", "busybox", "ls", "-A", "/ram"])).toBe("");
      expect(readdirSync(dataDir("ram"))).toEqual([]);
    } finally {
      await cleanVolumes();
    }
  }, T);
});

describe("--mount and -v options, as the container's mountinfo shows them", () => {
  test("bind: readonly, propagation; volume: readonly; tmpfs: size, mode, readonly", async () => {
    const host = mkdtempSync(join(tmpdir(), "minibox-mnt-"));
    try {
      mkdirSync(join(host, "a"));
      mkdirSync(join(host, "b"));
      const info = await ctx.ok(["--rm",
        "--mount", `type=bind,source=${host}/a,target=/ro-bind,readonly`,
        "--mount", `type=bind,src=${host}/b,dst=/shared-bind,bind-propagation=shared`,
        "-v", `${host}/a:/private-bind:ro,private,Z`,
        "--mount", "type=volume,source=mv,destination=/ro-vol,ro=true",
        "--mount", "type=tmpfs,dst=/tm,tmpfs-size=1m,tmpfs-mode=1770",
        "--mount", "type=tmpfs,target=/tm-ro,readonly",
        "busybox", "cat", "/proc/self/mountinfo"]);
      const opts = (path: string) => {
        const line = mountinfoLine(info, path);
        if (!line) throw new Error(`${path} is not mounted: ${info}`);
        const f = line.split(" ");
        const sep = f.indexOf("-");
        return { mount: f[5]!.split(","), optional: f.slice(6, sep).join(" "), type: f[sep + 1], superOpts: f[sep + 3]!.split(",") };
      };
      expect(opts("/ro-bind").mount).toContain("ro");
      expect(opts("/shared-bind").mount).toContain("rw");
      expect(opts("/shared-bind").optional).toMatch(/shared:\d+/);
      expect(opts("/private-bind").mount).toContain("ro");
      expect(opts("/private-bind").optional).toBe("");
      expect(opts("/ro-vol").mount).toContain("ro");
      const tm = opts("/tm");
      expect(tm.type).toBe("tmpfs");
      expect(tm.mount).toEqual(expect.arrayContaining(["rw", "nosuid", "nodev", "noexec"]));
      expect(tm.superOpts).toEqual(expect.arrayContaining(["size=1024k", "mode=1770"]));
      expect(opts("/tm-ro").mount).toContain("ro");
    } finally {
      await cleanVolumes();
      rmSync(host, { recursive: true, force: true });
    }
  }, T);

  // files-finish: the remaining --mount options, each as mountinfo (or the volume's content) shows it.
  test("volume-opt (a tmpfs volume), volume-nocopy, rw by default, propagation rshared/slave/rslave", async () => {
    const host = mkdtempSync(join(tmpdir(), "minibox-mnt-"));
    try {
      mkdirSync(join(host, "s"));
      mkdirSync(join(host, "sl"));
      const info = await ctx.ok(["--rm",
        "--mount", "type=volume,src=optvol,dst=/optvol,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=o=size=2m",
        "--mount", "type=volume,src=nocopyvol,dst=/etc,volume-nocopy",
        "--mount", "type=volume,src=rwvol,dst=/rw-vol",
        "-v", `${host}/s:/rshared-bind:rshared`,
        "--mount", `type=bind,src=${host}/sl,dst=/slave-bind,bind-propagation=slave`,
        "--mount", `type=bind,src=${host}/sl,dst=/rslave-bind,bind-propagation=rslave`,
        "busybox", "sh", "-c", "cat /proc/self/mountinfo; echo ETC=$(ls -A /etc | wc -l)"]);
      const opts = (path: string) => {
        const line = mountinfoLine(info, path);
        if (!line) throw new Error(`${path} is not mounted: ${info}`);
        const f = line.split(" ");
        const sep = f.indexOf("-");
        return { mount: f[5]!.split(","), optional: f.slice(6, sep).join(" "), type: f[sep + 1], superOpts: f[sep + 3]!.split(",") };
      };
      const optvol = opts("/optvol");
      expect(optvol.type).toBe("tmpfs");
      expect(optvol.superOpts).toContain("size=2048k");
      expect(info).toContain("ETC=0"); // volume-nocopy: the image's /etc was not copied into the new volume
      expect(opts("/rw-vol").mount).toContain("rw");
      expect(opts("/rshared-bind").optional).toMatch(/shared:\d+/);
      // slave/rslave: receive from the host, never propagate back: no peer group of their own
      expect(opts("/slave-bind").optional).not.toMatch(/shared:/);
      expect(opts("/rslave-bind").optional).not.toMatch(/shared:/);
    } finally {
      await cleanVolumes();
      rmSync(host, { recursive: true, force: true });
    }
  }, T);

  test("a missing -v bind source is created as a directory (Docker's rule)", async () => {
    const host = mkdtempSync(join(tmpdir(), "minibox-mnt-"));
    try {
      const src = join(host, "made", "here");
      expect(await ctx.ok(["--rm", "-v", `${src}:/m`, "busybox", "sh", "-c", "echo ok > /m/f; cat /m/f"])).toBe("ok\n");
      expect(readFileSync(join(src, "f"), "utf8")).toBe("ok\n");
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  }, T);
});

describe("bad input: one line, Docker's exit code, nothing created", () => {
  const cases: [string[], number, string][] = [
    [["--mount", "type=bind,src=/nonexistent-minibox-src,dst=/x"], 125, `invalid mount config for type "bind": bind source path does not exist: /nonexistent-minibox-src`],
    [["--mount", "type=bind,src=relative,dst=/x"], 125, `invalid mount config for type "bind": invalid mount path: 'relative' mount path must be absolute`],
    [["--mount", "type=bind,dst=/x"], 125, `invalid mount config for type "bind": field Source must not be empty`],
    [["--mount", "type=volume,src=v"], 125, `target is required`],
    [["--mount", "type=volume,src=v,dst=/x,bogus=1"], 125, `unexpected key 'bogus' in 'bogus=1'`],
    [["--mount", "type=volume,src=v,dst=/x,volume-nocopy=maybe"], 125, `invalid value for volume-nocopy: maybe`],
    [["--mount", "type=volume,src=vv,dst=/x,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-opt=bogus=1"], 125, `create vv: invalid option key: "bogus"`],
    [["--mount", "type=tmpfs,src=x,dst=/x"], 125, `invalid mount config for type "tmpfs": field Source must not be specified`],
    [["--mount", "type=tmpfs,dst=/x,tmpfs-size=lots"], 125, `invalid value for tmpfs-size: lots`],
    [["--mount", "type=bind,src=/tmp,dst=/x,volume-nocopy"], 125, `cannot mix 'volume-*' options with mount type 'bind'`],
    [["--mount", "type=bind,src=/tmp,dst=/x,bind-propagation=sideways"], 125, `invalid propagation mode: sideways`],
    [["--mount", "type=nfs,dst=/x"], 125, `invalid mount config for type "nfs": mount type unknown`],
    [["-v", "bad/name:/x"], 125, `"bad/name" includes invalid characters for a local volume name`],
    [["-v", "x:/x"], 125, `"x" includes invalid characters for a local volume name`], // two characters at least
    [["-v", "vv:relative"], 125, `mount path must be absolute`],
    [["-v", "vv:/x:bogus"], 125, `invalid mode: bogus`],
    [["-v", "/tmp:/x:nocopy"], 125, `invalid mode: nocopy`],
    [["-v", "aa:/x", "-v", "bb:/x"], 125, `Duplicate mount point: /x`],
    [["-v", "/tmp:/"], 125, `destination can't be '/'`],
  ];
  test.each(cases)("run %p", async (flags, code, message) => {
    const beforeContainers = ctx.containerIds().length;
    const r = await ctx.run(["--rm", ...flags, "busybox", "true"]);
    expect(r.code).toBe(code);
    expect(lines(r.stderr).length).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe("");
    expect(ctx.containerIds().length).toBe(beforeContainers);
    expect(await volumeNames()).toEqual([]);
  }, T);

  const volumeCases: [string[], number, string][] = [
    [["volume", "create", "bad/name"], 1, `includes invalid characters for a local volume name`],
    [["volume", "create", "--opt", "foo=bar", "v1"], 1, `create v1: invalid option key: "foo"`],
    [["volume", "create", "--driver", "nfsplugin", "v1"], 1, `plugin "nfsplugin" not found`],
    [["volume", "create", "--opt", "type=tmpfs", "v1"], 1, `create v1: missing required option: "device"`],
    [["volume", "ls", "--filter", "colour=red"], 1, `invalid filter 'colour'`],
  ];
  test.each(volumeCases)("%p", async (args, code, message) => {
    const r = await mb(args);
    expect(r.code).toBe(code);
    expect(lines(r.stderr).length).toBe(1);
    expect(r.stderr).toContain(message);
    expect(await volumeNames()).toEqual([]);
  }, T);

  test("a failing create removes the volumes it made (bad bind after a new volume)", async () => {
    const r = await ctx.run(["--rm", "-v", "fresh:/a", "-v", "/anon", "--mount", "type=bind,src=/nonexistent-minibox-src,dst=/b", "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(await volumeNames()).toEqual([]);
    expect(existsSync(join(ctx.sb.root, "volumes", "fresh"))).toBe(false);
  }, T);
});
