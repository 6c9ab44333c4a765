// `RUN --mount` through the compiled binary: cache mounts persist across builds (owner and mode from the
// flags) until `builder prune`; binds from the context (read-only, or rw with writes thrown away) and
// from another stage (links clamped inside it); tmpfs; secrets/ssh refused. Nothing of a mount reaches
// the layer, and no mount or work dir is left behind.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildImage, dockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Result, type Sandbox } from "./harness.ts";

setDefaultTimeout(120_000);

let sb: Sandbox;
let base: string;
beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-build-mounts-");
  base = join(sb.root, "..", "work");
  mkdirSync(base, { recursive: true });
  const archive = join(base, "busybox.tar");
  writeFileSync(archive, dockerArchive(buildImage()));
  const r = await sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
}, 120_000);
afterAll(() => sb.cleanup());

let contexts = 0;
function context(files: Record<string, string>): string {
  const dir = join(base, `ctx-${++contexts}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

const build = (args: string[]): Promise<Result> => sb.run(["build", "--network", "none", ...args], { timeoutMs: 120_000 });

async function ok(args: string[]): Promise<Result> {
  const r = await build(args);
  if (r.code !== 0) throw new Error(`build ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

async function inImage(image: string, script: string): Promise<string> {
  const r = await sb.run(["run", "--rm", "--network", "none", image, "sh", "-c", script]);
  if (r.code !== 0) throw new Error(`run ${script} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Mounts under the sandbox and build-mount work dirs: none may outlive a build. */
function leftovers(): { mounts: string[]; work: string[] } {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(sb.root));
  const tmp = join(sb.root, "tmp");
  return { mounts, work: existsSync(tmp) ? readdirSync(tmp).filter((n) => n.includes("build-mount")) : [] };
}

describe("RUN --mount=type=cache", () => {
  const df = [
    "FROM busybox",
    "RUN --mount=type=cache,target=/var/cache/app,id=app sh -c 'echo run >> /var/cache/app/log; wc -l < /var/cache/app/log > /count'",
    "RUN --mount=type=cache,target=/c2,uid=1000,gid=1000,mode=0710 stat -c '%u %g %a' /c2 > /owner",
    "",
  ].join("\n");

  test("persists across builds, owner and mode from the flags, and is not in the layer", async () => {
    const dir = context({ Dockerfile: df });
    await ok(["-t", "cache:1", dir]);
    expect((await inImage("cache:1", "cat /count")).trim()).toBe("1");
    await ok(["--no-cache", "-t", "cache:2", dir]);
    expect((await inImage("cache:2", "cat /count")).trim()).toBe("2");
    expect((await inImage("cache:2", "cat /owner")).trim()).toBe("1000 1000 710");
    // The mount points were the mounts' own: the image has neither them nor what was written there.
    expect(await inImage("cache:2", "test -e /var/cache/app && echo yes || echo no; test -e /c2 && echo yes || echo no")).toBe("no\nno\n");
    expect(readdirSync(join(sb.root, "build-cache", "mounts")).filter((n) => !n.endsWith(".lock"))).toHaveLength(2);
    expect(leftovers()).toEqual({ mounts: [], work: [] });
  });

  test("directories made only to hold a mount point are left out too; one the RUN also wrote to stays", async () => {
    const df = [
      "FROM busybox",
      "RUN --mount=type=cache,target=/root/.cache/tool/x --mount=type=tmpfs,target=/new/a/b true",
      "RUN --mount=type=cache,target=/var/lib/thing/c sh -c 'echo kept > /var/lib/thing/file'",
      "",
    ].join("\n");
    await ok(["-t", "stubs:1", context({ Dockerfile: df })]);
    expect(await inImage("stubs:1", "ls -A /root; test -e /new && echo new || echo no-new; ls -A /var/lib/thing")).toBe("no-new\nfile\n");
  });

  test("builder prune removes the cache directories: the next build starts empty", async () => {
    const r = await sb.run(["builder", "prune", "-f"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(sb.root, "build-cache", "mounts"))).toBe(false);
    await ok(["-t", "cache:3", context({ Dockerfile: df })]);
    expect((await inImage("cache:3", "cat /count")).trim()).toBe("1");
  });

  test("sharing=locked: two stages using one cache id take turns, and both see each other's writes", async () => {
    const locked = [
      "FROM busybox AS a",
      "RUN --mount=type=cache,target=/c,id=shared-lock,sharing=locked sh -c 'echo a >> /c/log; sleep 1; cat /c/log > /seen'",
      "FROM busybox AS b",
      "RUN --mount=type=cache,target=/c,id=shared-lock,sharing=locked sh -c 'echo b >> /c/log; sleep 1; cat /c/log > /seen'",
      "FROM busybox",
      "COPY --from=a /seen /a",
      "COPY --from=b /seen /b",
      "",
    ].join("\n");
    await ok(["-t", "locked:1", context({ Dockerfile: locked })]);
    const out = await inImage("locked:1", "cat /a; echo --; cat /b");
    // Whichever ran second saw both lines; the first saw only its own (never interleaved).
    const [a, b] = out.split("--\n");
    expect([a, b].sort((x, y) => x!.length - y!.length).map((s) => s!.trim().split("\n").length)).toEqual([1, 2]);
  });
});

describe("RUN --mount=type=bind", () => {
  test("from the context: read-only by default, the content is part of the cache key, nothing in the layer", async () => {
    const dir = context({
      Dockerfile: "FROM busybox\nRUN --mount=type=bind,source=data,target=/mnt sh -c 'cat /mnt/a.txt > /out; touch /mnt/new 2>/dev/null && echo writable > /w || echo ro > /w'\n",
      "data/a.txt": "first\n",
    });
    await ok(["-t", "bind:1", dir]);
    expect(await inImage("bind:1", "cat /out /w; test -e /mnt && echo mnt || echo no-mnt")).toBe("first\nro\nno-mnt\n");
    writeFileSync(join(dir, "data", "a.txt"), "second\n");
    await ok(["-t", "bind:2", dir]);
    expect(await inImage("bind:2", "cat /out")).toBe("second\n");
  });

  test("rw: the RUN may write, the writes are thrown away (the context is unchanged)", async () => {
    const dir = context({
      Dockerfile: "FROM busybox\nRUN --mount=type=bind,source=data,target=/mnt,rw sh -c 'echo changed > /mnt/a.txt && touch /mnt/new && ls /mnt > /ls'\n",
      "data/a.txt": "orig\n",
    });
    await ok(["-t", "bindrw:1", dir]);
    expect(await inImage("bindrw:1", "cat /ls")).toBe("a.txt\nnew\n");
    expect(readdirSync(join(dir, "data"))).toEqual(["a.txt"]);
    expect(readFileSync(join(dir, "data", "a.txt"), "utf8")).toBe("orig\n");
    expect(leftovers()).toEqual({ mounts: [], work: [] });
  });

  test("from another stage; a link in that stage is followed inside it, never to the host", async () => {
    const canaryDir = mkdtempSync(join(tmpdir(), "mb-bind-canary-"));
    try {
      writeFileSync(join(canaryDir, "canary"), "HOST-SECRET\n");
      const df = [
        "FROM busybox AS s",
        `RUN mkdir -p /d/sub && echo from-stage > /d/sub/f && ln -s ${canaryDir} /escape && ln -s /d/sub /inside`,
        "FROM busybox",
        "RUN --mount=type=bind,from=s,source=/inside,target=/m cat /m/f > /out",
        "",
      ].join("\n");
      await ok(["-t", "bindstage:1", context({ Dockerfile: df })]);
      expect(await inImage("bindstage:1", "cat /out")).toBe("from-stage\n");
      const escape = await build([context({ Dockerfile: df.replace("source=/inside", "source=/escape") })]);
      expect(escape.code).toBe(1);
      expect(escape.stderr).toContain("not found");
      expect(escape.stderr).not.toContain("HOST-SECRET");
      expect(leftovers()).toEqual({ mounts: [], work: [] });
    } finally {
      rmSync(canaryDir, { recursive: true, force: true });
    }
  });

  test("a stage mounting from a stage that copies from it is a cycle (an error, not a hang)", async () => {
    const df = "FROM busybox AS a\nRUN --mount=type=bind,from=b,target=/m true\nFROM busybox AS b\nCOPY --from=a /etc/passwd /x\n";
    const r = await sb.run(["build", "--network", "none", context({ Dockerfile: df })], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^minibox: circular dependency detected on stage: [ab]$/);
  });

  test("a context source leaving the context is refused", async () => {
    const r = await build([context({ Dockerfile: "FROM busybox\nRUN --mount=type=bind,source=../..,target=/m ls /m\n" })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("outside the build context");
  });
});

describe("RUN --mount=type=tmpfs and refusals", () => {
  test("tmpfs: a tmpfs at the target during the RUN, not in the layer", async () => {
    const df = "FROM busybox\nRUN --mount=type=tmpfs,target=/scratch sh -c 'echo x > /scratch/f && grep \" /scratch \" /proc/mounts | cut -d\" \" -f3 > /fstype'\n";
    await ok(["-t", "tmpfs:1", context({ Dockerfile: df })]);
    expect(await inImage("tmpfs:1", "cat /fstype; test -e /scratch && echo yes || echo no")).toBe("tmpfs\nno\n");
  });

  test("secret and ssh mounts, unknown types and keys: exit 1 with the line", async () => {
    for (const [mount, message] of [
      ["type=secret,id=tok", "type=secret is not supported"],
      ["type=ssh", "type=ssh is not supported"],
      ["type=nfs,target=/x", "unsupported mount type: nfs"],
      ["type=cache,target=/x,bogus=1", "unexpected key 'bogus'"],
      ["type=cache", "mount target must be specified"],
    ] as const) {
      const r = await build([context({ Dockerfile: `FROM busybox\nRUN --mount=${mount} true\n` })]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("Dockerfile:2:");
      expect(r.stderr).toContain(message);
    }
    expect(leftovers()).toEqual({ mounts: [], work: [] });
  });
});
