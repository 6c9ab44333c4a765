// Extended attributes through the compiled binary: `cp` both ways (tar streams and host trees), `export`
// and `commit` keep user.* and security.capability as PAX SCHILY.xattr.* records; a file capability
// committed into an image works in a container of that image (a non-root process gets the capability).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lgetxattr, lsetxattr } from "../../src/sys/fs.ts";
import { readTar, type TarEntry } from "../../src/image/tar/reader.ts";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { BUSYBOX } from "../fixtures/images.ts";
import { BINARY } from "./harness.ts";
import { T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-xattrs-");
const temps: string[] = [];
const containers: string[] = [];
const images: string[] = [];
beforeAll(async () => {
  containers.push("xbox");
  await ctx.ok(["-d", "--name", "xbox", "busybox", "sh", "-c", "sleep 1000; true"]);
}, T);
afterEach(() => { for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true }); });
afterAll(async () => {
  if (containers.length) await ctx.sb.run(["rm", "-f", ...containers.splice(0)]);
  if (images.length) await ctx.sb.run(["rmi", "-f", ...images.splice(0)]);
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "minibox-xattrs-"));
  temps.push(d);
  return d;
}

/** A v2 file capability with `permitted` bits and the effective flag (what `setcap cap_x+ep` writes). */
function capability(permitted: number): Uint8Array {
  const b = new Uint8Array(20);
  new DataView(b.buffer).setUint32(0, 0x02000001, true);
  new DataView(b.buffer).setUint32(4, permitted, true);
  return b;
}
const NET_BIND_SERVICE = 1 << 10;
const decode = (b: Uint8Array | undefined | null) => (b ? new TextDecoder().decode(b) : undefined);

async function stdoutOf(args: string[]): Promise<Uint8Array> {
  const proc = Bun.spawn([BINARY, ...args], { env: ctx.sb.env, stdout: "pipe", stderr: "pipe" });
  const [bytes, err, code] = await Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${code}: ${err}`);
  return bytes;
}
type Entry = TarEntry & { data: Uint8Array };
async function entries(bytes: Uint8Array): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  for await (const e of readTar((async function* () { yield bytes; })())) out.set(e.name.replace(/\/$/, ""), { ...e, data: await e.bytes() });
  return out;
}
async function ok(args: string[], stdin?: Uint8Array): Promise<string> {
  const r = await ctx.sb.run(args, stdin ? { stdin } : undefined);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")}: ${r.code} ${r.stderr}`);
  return r.stdout;
}

describe("extended attributes", () => {
  test("cp of a tar in and out keeps user.* and security.capability; export has them; trusted.* is not written", async () => {
    const tar = tarBytes([
      { name: "xdir", type: "dir", mode: 0o755, xattrs: { "user.dir": "d" } },
      { name: "xdir/capbb", body: readFileSync(BUSYBOX), mode: 0o755, xattrs: { "security.capability": capability(NET_BIND_SERVICE), "user.note": "hello", "trusted.evil": "x" } },
    ]);
    await ok(["cp", "-", "xbox:/"], tar);
    const out = await entries(await stdoutOf(["cp", "xbox:/xdir", "-"]));
    const bb = out.get("xdir/capbb")!;
    expect(Object.keys(bb.xattrs).sort()).toEqual(["security.capability", "user.note"]);
    expect([...bb.xattrs["security.capability"]!]).toEqual([...capability(NET_BIND_SERVICE)]);
    expect(decode(bb.xattrs["user.note"])).toBe("hello");
    expect(decode(out.get("xdir")!.xattrs["user.dir"])).toBe("d");
    // in the container's upper dir on the host: what was written, not just what cp out lets through
    const id = (await ok(["inspect", "--format", "{{.Id}}", "xbox"])).trim();
    const upper = join(ctx.sb.root, "containers", id, "upper");
    expect(decode(lgetxattr(join(upper, "xdir/capbb"), "user.note"))).toBe("hello");
    expect(lgetxattr(join(upper, "xdir/capbb"), "trusted.evil")).toBeNull();
    const exported = await entries(await stdoutOf(["export", "xbox"]));
    expect(decode(exported.get("xdir/capbb")!.xattrs["user.note"])).toBe("hello");
    expect([...exported.get("xdir/capbb")!.xattrs["security.capability"]!]).toEqual([...capability(NET_BIND_SERVICE)]);
  }, T);

  test("cp of a host tree in and out (-a) keeps them on files and directories", async () => {
    const src = tempDir(), dst = tempDir();
    writeFileSync(join(src, "f"), "data");
    lsetxattr(join(src, "f"), "user.origin", "host");
    lsetxattr(join(src, "f"), "security.capability", capability(NET_BIND_SERVICE));
    lsetxattr(src, "user.top", "dir");
    await ok(["cp", "-a", src, "xbox:/tmp/hosttree"]);
    await ok(["cp", "-a", "xbox:/tmp/hosttree", join(dst, "back")]);
    expect(decode(lgetxattr(join(dst, "back/f"), "user.origin"))).toBe("host");
    expect([...lgetxattr(join(dst, "back/f"), "security.capability")!]).toEqual([...capability(NET_BIND_SERVICE)]);
    expect(decode(lgetxattr(join(dst, "back"), "user.top"))).toBe("dir");
    expect(readFileSync(join(dst, "back/f"), "utf8")).toBe("data");
  }, T);

  test("commit keeps a file capability: a non-root process of the new image gets it; the layer carries the PAX records", async () => {
    containers.push("capsrc");
    await ctx.ok(["--name", "capsrc", "busybox", "true"]);
    const tar = tarBytes([{ name: "cap", type: "dir" }, { name: "cap/busybox", body: readFileSync(BUSYBOX), mode: 0o755, xattrs: { "security.capability": capability(NET_BIND_SERVICE), "user.note": "committed" } }]);
    await ok(["cp", "-", "capsrc:/"], tar); // a stopped container
    images.push("capimg:v1");
    await ok(["commit", "capsrc", "capimg:v1"]);
    const capPrm = async (image: string, bin: string) =>
      (await ctx.ok(["--rm", "--user", "1000:1000", image, bin, "grep", "CapPrm", "/proc/self/status"])).trim().split(/\s+/)[1];
    expect(await capPrm("capimg:v1", "/bin/busybox")).toBe("0000000000000000"); // the control: no file capability
    expect(await capPrm("capimg:v1", "/cap/busybox")).toBe("0000000000000400");
    // the committed layer as saved: its tar has the records (what Docker and podman read)
    const dir = tempDir();
    await ok(["save", "-o", join(dir, "img.tar"), "capimg:v1"]);
    const outer = await entries(readFileSync(join(dir, "img.tar")));
    const manifest = JSON.parse(decode(outer.get("manifest.json")!.data)!)[0] as { Layers: string[] };
    const top = await entries(outer.get(manifest.Layers.at(-1)!)!.data);
    expect(decode(top.get("cap/busybox")!.xattrs["user.note"])).toBe("committed");
    expect([...top.get("cap/busybox")!.xattrs["security.capability"]!]).toEqual([...capability(NET_BIND_SERVICE)]);
  }, T);
});
