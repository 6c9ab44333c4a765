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

describe("version and info", () => {
  test("version: Docker's Client/Server shape, --format template and json", async () => {
    const text = await ok(["version"]);
    expect(text).toMatch(/^Client: minibox\n Version: +\S+\n API version: +1\.\d+\n/);
    expect(text).toContain("\nServer: ");
    expect(await ok(["version", "--format", "{{.Client.APIVersion}}|{{.Server.Version}}"])).toMatch(/^1\.\d+\|\S+\n$/);
    const json = JSON.parse(await ok(["version", "--format", "json"])) as Record<string, Record<string, unknown>>;
    expect(Object.keys(json)).toEqual(["Client", "Server"]);
    expect(json.Client).toMatchObject({ Os: "linux", ApiVersion: expect.any(String) });
    expect((json.Server!.Components as { Name: string }[])[0]!.Name).toBe("Engine");
    expect(await ok(["--version"])).toMatch(/^minibox version /);
  }, T);

  test("info: counts from the store, --format template and json with Docker's keys", async () => {
    await setup();
    const json = JSON.parse(await ok(["info", "--format", "{{json .}}"])) as Record<string, unknown>;
    for (const key of ["Containers", "ContainersRunning", "ContainersStopped", "Images", "Driver", "CgroupVersion", "KernelVersion", "OSType", "NCPU", "MemTotal", "DockerRootDir", "ServerVersion"]) {
      expect(json).toHaveProperty(key);
    }
    expect(json).toMatchObject({ Images: 1, DockerRootDir: ctx.sb.root, OSType: "linux" });
    expect(Number(json.Containers)).toBeGreaterThanOrEqual(1);
    expect(await ok(["info", "-f", "{{.Images}} {{.OSType}}"])).toBe("1 linux\n");
    expect(await ok(["info"])).toMatch(/\nServer:\n Containers: \d+\n  Running: \d+\n/);
  }, T);
});

describe("unknown flags are refused by every command, with Docker's message and 125", () => {
  const cases: string[][] = [["pull", "--bogus", "busybox"], ["rmi", "--bogus", "busybox"], ["image", "rm", "--bogus", "busybox"], ["tag", "-z", "busybox", "x"],
    ["save", "--nope", "busybox"], ["image", "ls", "--bogus"], ["version", "--bogus"], ["info", "--bogus"], ["image", "inspect", "--bogus", "busybox"]];
  test.each(cases.map((c) => [c.join(" "), c] as const))("%s", async (_name, argv) => {
    const r = await mb([...argv]);
    expect(r).toMatchObject({ code: 125, stdout: "" });
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^minibox: unknown flag: -/);
  }, T);
  test("the image is still there (nothing was done)", async () => {
    expect(lines(await ok(["images", "--format", "{{.Repository}}"]))).toEqual(["busybox"]);
  }, T);
});

describe("exit codes as Docker's", () => {
  test("rm -f of a missing container: the message on stderr, exit 0 (docker/cli ≥ 23); without -f, exit 1", async () => {
    const forced = await mb(["rm", "-f", "nosuch-compat"]);
    expect(forced).toMatchObject({ code: 0, stdout: "" });
    expect(lines(forced.stderr)).toEqual(["minibox: No such container: nosuch-compat"]);
    expect((await mb(["rm", "nosuch-compat"])).code).toBe(1);
  }, T);
});

describe("ps -n, -l and more --filter keys", () => {
  test("-n N and -l show the newest containers, of any state; exited=, ancestor=, before=, since=", async () => {
    await setup();
    const a = (await ok(["create", "--name", "fmt-a", "busybox", "true"])).trim();
    const b = (await ok(["run", "--name", "fmt-b", "busybox", "sh", "-c", "exit 3"]).catch(() => "")).trim();
    const names = async (...args: string[]) => lines(await ok(["ps", ...args, "--format", "{{.Names}}"]));
    try {
      expect(await names("-n", "2")).toEqual(["fmt-b", "fmt-a"]);
      expect(await names("-l")).toEqual(["fmt-b"]);
      expect(await names("--last", "1")).toEqual(["fmt-b"]);
      expect(await names("-a", "--filter", "exited=3")).toEqual(["fmt-b"]);
      expect(await names("-a", "--filter", "exited=0")).toEqual([]);
      expect(await names("-a", "--filter", "ancestor=busybox")).toEqual(["fmt-b", "fmt-a", "fmt-one"]);
      expect(await names("-a", "--filter", "ancestor=busybox:latest", "--filter", "name=fmt-a")).toEqual(["fmt-a"]);
      expect(await names("-a", "--filter", "ancestor=nosuchimage")).toEqual([]);
      expect(await names("-a", "--filter", "before=fmt-a")).toEqual(["fmt-one"]);
      expect(await names("-a", "--filter", "since=fmt-a")).toEqual(["fmt-b"]);
      expect(await names("-a", "--filter", "label=nope")).toEqual([]);
      const bad = await mb(["ps", "--filter", "before=nosuch"]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("No such container: nosuch");
    } finally {
      await mb(["rm", "-f", a, "fmt-b"]);
      void b;
    }
  }, T);
});

describe("top", () => {
  test("the container's processes through the host's ps; ps options; not running is an error", async () => {
    await setup();
    const id = (await ok(["run", "-d", "--name", "fmt-top", "busybox", "sleep", "1000"])).trim();
    try {
      const def = lines(await ok(["top", id]));
      expect(def[0]!.split(/\s+/)).toEqual(["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
      expect(def.slice(1).map((l) => l.split(/\s{2,}/).pop())).toEqual(["sleep 1000"]);
      const custom = lines(await ok(["top", "fmt-top", "-o", "pid,comm"]));
      expect(custom[0]!.split(/\s+/)).toEqual(["PID", "COMMAND"]);
      expect(custom.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(["sleep"]);
      const noPid = await mb(["top", id, "-o", "comm"]);
      expect(noPid.code).toBe(1);
      expect(noPid.stderr).toContain("Couldn't find PID field in ps output");
    } finally {
      await mb(["rm", "-f", id]);
    }
    const stopped = await mb(["top", "fmt-one"]);
    expect(stopped).toMatchObject({ code: 1, stdout: "" });
    expect(lines(stopped.stderr)).toEqual([`minibox: container ${created} is not running`]);
  }, T);
});

describe("ps -s", () => {
  test("the writable layer's size and the virtual size, in the SIZE column and as .Size", async () => {
    const id = (await ok(["run", "--name", "fmt-size", "busybox", "sh", "-c", "head -c 100000 /dev/zero > /big; ln -s /etc/passwd /link"])).trim();
    try {
      const sizes = lines(await ok(["ps", "-a", "--filter", "name=fmt-size", "--format", "{{.Size}}"]));
      expect(sizes).toHaveLength(1);
      expect(sizes[0]).toMatch(/^100kB \(virtual [\d.]+MB\)$/);
      const table = lines(await ok(["ps", "-a", "-s", "--filter", "name=fmt-size"]));
      expect(table[0]).toMatch(/ {3}NAMES {3,}SIZE$/);
      expect(table[1]).toMatch(/fmt-size {3,}100kB \(virtual [\d.]+MB\)$/);
    } finally {
      await mb(["rm", "-f", id || "fmt-size"]);
    }
  }, T);
});

describe("ps --filter volume=, health=, is-task=", () => {
  test("volume by name or mount point; no container has a health check or is a swarm task", async () => {
    await setup();
    const id = (await ok(["create", "--name", "fmt-withvol", "-v", "fmt-vol2:/data", "busybox", "true"])).trim();
    const names = async (...args: string[]) => lines(await ok(["ps", "-a", ...args, "--format", "{{.Names}}"]));
    try {
      expect(await names("--filter", "volume=fmt-vol2")).toEqual(["fmt-withvol"]);
      expect(await names("--filter", "volume=/data")).toEqual(["fmt-withvol"]);
      expect(await names("--filter", "volume=nosuchvol")).toEqual([]);
      expect(await names("--filter", "name=fmt-withvol", "--filter", "is-task=false")).toEqual(["fmt-withvol"]);
      expect(await names("--filter", "is-task=true")).toEqual([]);
      expect(await names("--filter", "name=fmt-withvol", "--filter", "health=none")).toEqual(["fmt-withvol"]);
      expect(await names("--filter", "health=healthy")).toEqual([]);
      expect((await mb(["ps", "--filter", "health=sick"])).code).toBe(1);
    } finally {
      await mb(["rm", "-f", "-v", id]);
      await mb(["volume", "rm", "fmt-vol2"]);
    }
  }, T);
});

describe("images --filter", () => {
  test("dangling=, reference= (globs), before=, since=, label=; bad keys refused", async () => {
    await ok(["tag", "busybox", "fmt/other:v1"]);
    const repos = async (...args: string[]) => lines(await ok(["images", ...args, "--format", "{{.Repository}}:{{.Tag}}"])).sort();
    try {
      expect(await repos("--filter", "dangling=false")).toEqual(["busybox:latest", "fmt/other:v1"]);
      expect(await repos("--filter", "dangling=true")).toEqual([]);
      expect(await repos("--filter", "reference=fmt/*")).toEqual(["fmt/other:v1"]);
      expect(await repos("--filter", "reference=busybox")).toEqual(["busybox:latest"]);
      expect(await repos("--filter", "reference=fmt/*:v1")).toEqual(["fmt/other:v1"]);
      expect(await repos("--filter", "reference=*:v1")).toEqual([]); // path.Match: * does not cross "/"
      expect(await repos("--filter", "before=busybox")).toEqual([]);
      expect(await repos("--filter", "since=busybox")).toEqual([]);
      expect(await repos("--filter", "label=nope")).toEqual([]);
      const bad = await mb(["images", "--filter", "colour=red"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("invalid filter 'colour'");
    } finally {
      await mb(["rmi", "fmt/other:v1"]);
    }
  }, T);
});
