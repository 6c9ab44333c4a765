// Opening the build context: a directory with -f and <Dockerfile>.dockerignore, stdin as a tar or as a
// lone Dockerfile, and the errors for what is missing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { looksLikeTar, openContext } from "../../src/build/context/context.ts";
import { isIgnored } from "../../src/build/context/dockerignore.ts";
import { tarBytes } from "../../src/image/tar/writer.ts";

let tmp: string;
let ctx: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "minibox-build-ctx-"));
  ctx = join(tmp, "ctx");
  mkdirSync(join(ctx, "sub"), { recursive: true });
  writeFileSync(join(ctx, "Dockerfile"), "FROM a\n");
  writeFileSync(join(ctx, ".dockerignore"), "*.root\n");
  writeFileSync(join(ctx, "sub", "Custom"), "FROM b\n");
  writeFileSync(join(ctx, "sub", "Custom.dockerignore"), "*.custom\n");
  mkdirSync(join(tmp, "store-tmp"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const noStdin = async () => { throw new Error("stdin read"); };

describe("openContext", () => {
  test("a directory with its Dockerfile and .dockerignore", async () => {
    const c = await openContext({ context: ctx, stdin: noStdin, tmpDir: join(tmp, "store-tmp") });
    expect(c.dockerfile).toBe("FROM a\n");
    expect(isIgnored(c.ignore, "x.root")).toBe(true);
  });
  test("-f names the Dockerfile; its own .dockerignore wins over the context's", async () => {
    const c = await openContext({ context: ctx, file: join(ctx, "sub", "Custom"), stdin: noStdin, tmpDir: join(tmp, "store-tmp") });
    expect(c.dockerfile).toBe("FROM b\n");
    expect(isIgnored(c.ignore, "x.custom")).toBe(true);
    expect(isIgnored(c.ignore, "x.root")).toBe(false);
  });
  test("-f - reads the Dockerfile from stdin", async () => {
    const c = await openContext({ context: ctx, file: "-", stdin: async () => new TextEncoder().encode("FROM stdin\n"), tmpDir: join(tmp, "store-tmp") });
    expect(c.dockerfile).toBe("FROM stdin\n");
  });
  test("a tar on stdin is unpacked into tmp and removed by dispose; a plain Dockerfile on stdin has an empty context", async () => {
    const tar = tarBytes([{ name: "Dockerfile", body: "FROM t\n" }, { name: "f.txt", body: "x" }]);
    expect(looksLikeTar(tar)).toBe(true);
    const c = await openContext({ context: "-", stdin: async () => tar, tmpDir: join(tmp, "store-tmp") });
    expect(c.dockerfile).toBe("FROM t\n");
    expect(Bun.file(join(c.root, "f.txt")).size).toBe(1);
    c.dispose();
    expect(await Bun.file(join(c.root, "f.txt")).exists()).toBe(false);
    const plain = await openContext({ context: "-", stdin: async () => new TextEncoder().encode("FROM p\n"), tmpDir: join(tmp, "store-tmp") });
    expect(plain.dockerfile).toBe("FROM p\n");
    plain.dispose();
  });
  test("errors: missing context, missing Dockerfile, stdin twice, a linked Dockerfile in a tar", async () => {
    const tmpDir = join(tmp, "store-tmp");
    await expect(openContext({ context: join(tmp, "nope"), stdin: noStdin, tmpDir })).rejects.toThrow('unable to prepare context: path "');
    await expect(openContext({ context: ctx, file: "missing", stdin: noStdin, tmpDir })).rejects.toThrow("failed to read dockerfile: open missing: no such file or directory");
    await expect(openContext({ context: "-", file: "-", stdin: noStdin, tmpDir })).rejects.toThrow("can't use stdin for both build context and dockerfile");
    const linked = tarBytes([{ name: "Dockerfile", type: "symlink", linkname: "/etc/passwd" }]);
    await expect(openContext({ context: "-", stdin: async () => linked, tmpDir })).rejects.toThrow("is a symbolic link");
  });
});
