// --format on the compiled binary, per command: Go templates, Docker's `table` directive with its
// header names, `json` (one object per line), Docker's messages and exit status 1 for bad templates, and
// unknown flags refused (images once read `--format json` as a repository filter).
import { afterAll, describe, expect, test } from "bun:test";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-format-");
const mb = (args: string[]) => ctx.sb.run(args);
async function ok(args: string[]): Promise<string> {
  const r = await mb(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

let created = "";
afterAll(async () => {
  if (created) await mb(["rm", "-f", created]);
  await mb(["volume", "rm", "fmt-vol"]);
});

async function setup(): Promise<void> {
  if (created) return;
  created = (await ok(["create", "--name", "fmt-one", "busybox", "sleep", "1000"])).trim();
}

describe("ps --format", () => {
  test("template, table with Docker's headers, json with Docker's keys", async () => {
    await setup();
    expect(lines(await ok(["ps", "-a", "--format", "{{.Names}} {{.State}} {{.Command}}"]))).toEqual(['fmt-one created "sleep 1000"']);
    const table = lines(await ok(["ps", "-a", "--format", "table {{.ID}}\\t{{.Names}}\\t{{.Status}}"]));
    expect(table[0]).toMatch(/^CONTAINER ID {3}NAMES {5}STATUS$/);
    expect(table[1]).toMatch(new RegExp(`^${created.slice(0, 12)} {3}fmt-one {3}Created$`));
    const [row] = lines(await ok(["ps", "-a", "--format", "json"])).map((l) => JSON.parse(l) as Record<string, string>);
    expect(Object.keys(row!)).toEqual(["Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names", "Networks", "Ports", "RunningFor", "Size", "State", "Status"]);
    expect(row!.CreatedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    expect(lines(await ok(["ps", "-a", "--format", "{{json .Names}} {{upper .Names}} {{len .ID}}"]))).toEqual(['"fmt-one" FMT-ONE 12']);
  }, T);

  test("bad templates: one line in Go's words, exit 1, nothing on stdout", async () => {
    await setup();
    const parse = await mb(["ps", "-a", "--format", "{{.Names}"]);
    expect(parse).toMatchObject({ code: 1, stdout: "" });
    expect(lines(parse.stderr)).toEqual(['minibox: template parsing error: template: :1: unexpected "}" in operand']);
    const exec = await mb(["ps", "-a", "--format", "{{.Nope}}"]);
    expect(exec).toMatchObject({ code: 1, stdout: "" });
    expect(exec.stderr).toContain(`can't evaluate field Nope in type *formatter.ContainerContext`);
  }, T);
});

describe("inspect --format", () => {
  test("containers and images, nested fields, json, maps, missing keys", async () => {
    await setup();
    expect(await ok(["inspect", "--format", "{{.State.Status}} {{.Name}} {{json .Config.Cmd}}", "fmt-one"])).toBe('created /fmt-one ["sleep","1000"]\n');
    expect(await ok(["inspect", "-f", "{{.State.Pid}} {{.Config.NoSuchKey}}", "fmt-one"])).toBe("0 <no value>\n");
    expect(await ok(["container", "inspect", "-f", "{{.Id}}", "fmt-one"])).toBe(`${created}\n`);
    const id = (await ok(["image", "inspect", "--format", "{{.Id}}", "busybox"])).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ok(["inspect", "--type", "image", "-f", "{{.Id}} {{.Os}}", "busybox"])).toBe(`${id} linux\n`);
    expect(JSON.parse(await ok(["inspect", "--format", "json", "fmt-one"]))[0].Id).toBe(created);
    const bad = await mb(["inspect", "-f", "{{if}}", "fmt-one"]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(lines(bad.stderr)).toEqual(["minibox: template parsing error: template: :1: missing value for if"]);
  }, T);
});

describe("images --format", () => {
  test("template, table, json; unknown flags refused", async () => {
    expect(lines(await ok(["images", "--format", "{{.Repository}}:{{.Tag}}"]))).toEqual(["busybox:latest"]);
    const table = lines(await ok(["images", "--format", "table {{.Repository}}\\t{{.Tag}}\\t{{.Size}}"]));
    expect(table[0]).toMatch(/^REPOSITORY {3}TAG {7}SIZE$/);
    const [row] = lines(await ok(["images", "--format", "json"])).map((l) => JSON.parse(l) as Record<string, string>);
    expect(row).toMatchObject({ Repository: "busybox", Tag: "latest", Digest: "<none>", Containers: "N/A" });
    expect(Object.keys(row!).sort()).toEqual(["Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"]);
    const unknown = await mb(["images", "--bogus"]);
    expect(unknown).toMatchObject({ code: 125, stdout: "" });
    expect(lines(unknown.stderr)).toEqual(["minibox: unknown flag: --bogus"]);
  }, T);
});

describe("volume ls / volume inspect --format", () => {
  test("template, table, json", async () => {
    await ok(["volume", "create", "fmt-vol"]);
    expect(lines(await ok(["volume", "ls", "--format", "{{.Name}} {{.Driver}}"]))).toContain("fmt-vol local");
    const table = lines(await ok(["volume", "ls", "--format", "table {{.Name}}\\t{{.Driver}}"]));
    expect(table[0]).toMatch(/^VOLUME NAME {3}DRIVER$/);
    expect(lines(await ok(["volume", "ls", "--format", "json"])).map((l) => JSON.parse(l).Name)).toContain("fmt-vol");
    expect(await ok(["volume", "inspect", "-f", "{{.Name}} {{.Driver}} {{.Labels}}", "fmt-vol"])).toBe("fmt-vol local map[]\n");
    expect((await mb(["volume", "inspect", "-f", "{{.Name", "fmt-vol"])).code).toBe(1);
  }, T);
});

describe("history --format", () => {
  test("template and table", async () => {
    const ids = lines(await ok(["history", "--format", "{{.ID}}", "busybox"]));
    expect(ids[0]).toMatch(/^[0-9a-f]{12}$/);
    const table = lines(await ok(["history", "--format", "table {{.ID}}\\t{{.Size}}", "busybox"]));
    expect(table[0]).toMatch(/^IMAGE {10}SIZE$/);
    expect((await mb(["history", "--bogus", "busybox"])).code).toBe(125);
  }, T);
});

describe("stats --format", () => {
  test("template and table over a running container", async () => {
    const id = (await ok(["run", "-d", "--name", "fmt-stats", "busybox", "sleep", "1000"])).trim();
    try {
      expect(lines(await ok(["stats", "--no-stream", "--format", "{{.Name}} {{.ID}}", id]))).toEqual([`fmt-stats ${id.slice(0, 12)}`]);
      const table = lines(await ok(["stats", "--no-stream", "--format", "table {{.Name}}\\t{{.PIDs}}", id]));
      expect(table[0]).toMatch(/^NAME {8}PIDS$/);
      expect(table[1]).toMatch(/^fmt-stats {3}[1-9]\d*$/);
      expect(Object.keys(JSON.parse(lines(await ok(["stats", "--no-stream", "--format", "json", id]))[0]!)).sort())
        .toEqual(["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]);
      expect((await mb(["stats", "--no-stream", "--format", "{{.Nope}}", id])).code).toBe(1);
    } finally {
      await mb(["rm", "-f", id]);
    }
  }, T);
});
