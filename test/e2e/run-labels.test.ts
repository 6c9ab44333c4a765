// compat-run: `run/create -l/--label`, `--label-file` (Docker's file format), the image's labels merged under
// them, shown by inspect and ps (--format .Labels / .Label, --filter label=); `--cidfile`.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-labels-", (c) =>
  c.load("labelled.tar", { name: "labelled:1", config: { Labels: { "from.image": "image", shared: "image-value" } } }));

async function mb(args: string[]): Promise<string> {
  const r = await ctx.sb.run(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

async function inspectLabels(ref: string): Promise<Record<string, string>> {
  const [one] = JSON.parse(await mb(["inspect", ref])) as { Config: { Labels: Record<string, string> } }[];
  return one!.Config.Labels;
}

describe("labels", () => {
  test("-l, --label and --label-file, with the image's labels underneath (the container's win)", async () => {
    const file = join(ctx.base, "labels.txt");
    writeFileSync(file, "# comment\n\n  file.only=from-file\nshared=file-value\nbare\n");
    const id = (await mb(["create", "--name", "lab1", "--label-file", file, "-l", "shared=flag-value", "--label", "a=b=c", "-l", "empty=", "labelled:1", "true"])).trim();
    expect(await inspectLabels(id)).toEqual({ "from.image": "image", shared: "flag-value", "file.only": "from-file", bare: "", a: "b=c", empty: "" });
    expect(await mb(["ps", "-a", "--filter", "name=lab1", "--format", "{{.Label \"shared\"}}|{{.Label \"a\"}}"])).toBe("flag-value|b=c\n");
    expect(await mb(["ps", "-a", "--filter", "name=lab1", "--format", "{{.Labels}}"]))
      .toBe("a=b=c,bare=,empty=,file.only=from-file,from.image=image,shared=flag-value\n");
  }, T);

  test("ps --filter label=KEY and label=KEY=VALUE", async () => {
    await mb(["create", "--name", "lf-a", "-l", "tier=web", "-l", "only.a", "labelled:1", "true"]);
    await mb(["create", "--name", "lf-b", "-l", "tier=db", "labelled:1", "true"]);
    const names = async (...filters: string[]) =>
      lines(await mb(["ps", "-a", "--filter", "name=lf-", ...filters.flatMap((f) => ["--filter", f]), "--format", "{{.Names}}"])).sort();
    expect(await names("label=tier")).toEqual(["lf-a", "lf-b"]);
    expect(await names("label=tier=web")).toEqual(["lf-a"]);
    expect(await names("label=only.a")).toEqual(["lf-a"]);
    expect(await names("label=tier", "label=only.a")).toEqual(["lf-a"]);
    expect(await names("label=from.image=image")).toEqual(["lf-a", "lf-b"]);
    expect(await names("label=nosuch")).toEqual([]);
  }, T);

  test("a container without labels shows {} in inspect", async () => {
    const id = (await mb(["create", "busybox", "true"])).trim();
    expect(await inspectLabels(id)).toEqual({});
  }, T);

  test("a missing --label-file is one line, exit 125, nothing created", async () => {
    const before = ctx.containerIds().length;
    const r = await ctx.sb.run(["create", "--label-file", join(ctx.base, "nosuch.txt"), "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain("nosuch.txt");
    expect(ctx.containerIds().length).toBe(before);
  }, T);
});

describe("--cidfile", () => {
  test("run writes the container's full id to the file", async () => {
    const file = join(ctx.base, "run.cid");
    await ctx.ok(["--rm", "--cidfile", file, "busybox", "true"]);
    expect(readFileSync(file, "utf8")).toMatch(/^[0-9a-f]{64}$/);
  }, T);

  test("create writes the id; an existing file is refused before anything is created (Docker's message)", async () => {
    const file = join(ctx.base, "create.cid");
    const id = (await mb(["create", "--cidfile", file, "busybox", "true"])).trim();
    expect(readFileSync(file, "utf8")).toBe(id);
    const before = ctx.containerIds().length;
    const r = await ctx.sb.run(["create", "--cidfile", file, "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(lines(r.stderr)).toEqual([expect.stringContaining(`container ID file found, make sure the other container isn't running or delete ${file}`)]);
    expect(ctx.containerIds().length).toBe(before);
    expect(readFileSync(file, "utf8")).toBe(id);
  }, T);

  test("a create that fails leaves no cidfile behind", async () => {
    const file = join(ctx.base, "failed.cid");
    const r = await ctx.sb.run(["create", "--pull", "never", "--cidfile", file, "nosuch-image:1", "true"]);
    expect(r.code).not.toBe(0);
    expect(existsSync(file)).toBe(false);
  }, T);
});
