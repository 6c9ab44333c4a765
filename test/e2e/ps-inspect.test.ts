// ps: the network=, publish=, expose= filters, Docker's quoting of COMMAND; inspect -s (SizeRw,
// SizeRootFs) and --type network|volume, on the compiled binary. Only created containers: no host port
// or bridge is taken.
import { afterAll, describe, expect, test } from "bun:test";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-ps-inspect-");
const mb = (args: string[]) => ctx.sb.run(args);
async function ok(args: string[]): Promise<string> {
  const r = await mb(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
const names = async (...filters: string[]) => lines(await ok(["ps", "-a", "--format", "{{.Names}}", ...filters.flatMap((f) => ["--filter", f])])).sort();

let ready = false;
async function setup(): Promise<void> {
  if (ready) return;
  await ok(["network", "create", "pi-net"]);
  await ok(["create", "--name", "pi-plain", "busybox", "sh", "-c", 'echo "hi"']);
  await ok(["create", "--name", "pi-pub", "-p", "80", "-p", "127.0.0.1::53/udp", "busybox", "true"]);
  await ok(["create", "--name", "pi-exp", "--expose", "90", "--network", "pi-net", "busybox", "true"]);
  ready = true;
}
afterAll(async () => {
  await mb(["rm", "-f", "pi-plain", "pi-pub", "pi-exp"]);
  await mb(["network", "rm", "pi-net"]);
  await mb(["volume", "rm", "pi-vol"]);
});

describe("ps filters", () => {
  test("network= by name or id, publish= and expose= by port[/proto] or range", async () => {
    await setup();
    expect(await names("network=pi-net")).toEqual(["pi-exp"]);
    const netId = (JSON.parse(await ok(["network", "inspect", "pi-net"])) as { Id: string }[])[0]!.Id;
    expect(await names(`network=${netId}`)).toEqual(["pi-exp"]);
    expect(await names("network=bridge")).toEqual(["pi-plain", "pi-pub"]);
    expect(await names("publish=80")).toEqual(["pi-pub"]);
    expect(await names("publish=80/tcp")).toEqual(["pi-pub"]);
    expect(await names("publish=53/udp")).toEqual(["pi-pub"]);
    expect(await names("publish=53")).toEqual([]);
    expect(await names("publish=50-60/udp")).toEqual(["pi-pub"]);
    expect(await names("expose=90")).toEqual(["pi-exp"]);
    expect(await names("expose=80")).toEqual(["pi-pub"]); // a published port is exposed too
    const bad = await mb(["ps", "--filter", "publish=eighty"]);
    expect(bad.code).not.toBe(0);
    expect(lines(bad.stderr)).toHaveLength(1);
  }, T);

  test(".Networks names the container's networks", async () => {
    await setup();
    expect(lines(await ok(["ps", "-a", "--filter", "name=pi-", "--format", "{{.Names}} {{.Networks}}"])).sort()).toEqual(["pi-exp pi-net", "pi-plain bridge", "pi-pub bridge"]);
  }, T);

  test("COMMAND is quoted as Go's strconv.Quote (inner quotes escaped)", async () => {
    await setup();
    const row = lines(await ok(["ps", "-a", "--filter", "name=pi-plain"]))[1]!;
    expect(row).toContain('"sh -c echo \\"hi\\""');
  }, T);
});

describe("inspect", () => {
  test("-s adds SizeRw and SizeRootFs; without it they are absent", async () => {
    await setup();
    const [plain] = JSON.parse(await ok(["inspect", "pi-plain"])) as Record<string, unknown>[];
    expect(plain).not.toHaveProperty("SizeRw");
    const [sized] = JSON.parse(await ok(["inspect", "-s", "pi-plain"])) as Record<string, number>[];
    expect(sized!.SizeRw).toBe(0);
    const [image] = JSON.parse(await ok(["image", "inspect", "busybox"])) as { Size: number }[];
    expect(sized!.SizeRootFs).toBe(image!.Size);
    expect(await ok(["inspect", "--size", "-f", "{{.SizeRootFs}}", "pi-plain"])).toBe(`${image!.Size}\n`);
  }, T);

  test("--type network|volume, and a name that is only a network or a volume is found without --type", async () => {
    await setup();
    await ok(["volume", "create", "pi-vol"]);
    expect(await ok(["inspect", "--type", "network", "-f", "{{.Name}} {{.Driver}}", "pi-net"])).toBe("pi-net bridge\n");
    expect(await ok(["inspect", "--type", "volume", "-f", "{{.Name}} {{.Driver}}", "pi-vol"])).toBe("pi-vol local\n");
    expect(await ok(["inspect", "-f", "{{.Name}}", "pi-vol", "pi-net"])).toBe("pi-vol\npi-net\n");
    const wrong = await mb(["inspect", "--type", "volume", "pi-net"]);
    expect(wrong.code).toBe(1);
    expect(lines(wrong.stderr)).toEqual(["minibox: No such volume: pi-net"]);
    const bad = await mb(["inspect", "--type", "plugin", "pi-net"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('"plugin" is not a valid value for --type');
  }, T);
});
