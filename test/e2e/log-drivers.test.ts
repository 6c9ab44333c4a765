// compat-run: --log-driver json-file|local|none and --log-opt max-size/max-file: rotation by the monitor's
// writer, `logs` reading across the rotated files, and `none` refusing to be read as Docker does.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { poll } from "./lifecycle-helpers.ts";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-logdrv-");

async function mb(args: string[]): Promise<string> {
  const r = await ctx.sb.run(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
interface Inspected { State: { Status: string }; HostConfig: { LogConfig: { Type: string; Config: Record<string, string> } } }
async function inspect(id: string): Promise<Inspected> {
  return (JSON.parse(await mb(["inspect", id])) as Inspected[])[0]!;
}
/** The exit is recorded only after the monitor wrote the last output (docs/logs.md). */
async function exited(id: string): Promise<void> {
  await poll(`${id.slice(0, 12)} to exit`, () => {
    try {
      return (JSON.parse(readFileSync(join(ctx.sb.root, "containers", id, "container.json"), "utf8")) as { state: { status: string } }).state.status === "exited";
    } catch {
      return false;
    }
  }, 30_000);
}
const logFilesOf = (id: string) => readdirSync(join(ctx.sb.root, "containers", id)).filter((f) => f.startsWith(`${id}-json.log`)).sort();

// 200 numbered lines of 60 bytes: about 20 KiB of json-file, far above a 2k limit.
const CHATTY = ["busybox", "sh", "-c", 'i=0; while [ $i -lt 200 ]; do printf "line %04d %s\\n" $i 0123456789012345678901234567890123456789012345; i=$((i+1)); done'];

describe("log drivers", () => {
  test("json-file with max-size and max-file: rotated, at most max-file files, logs reads them oldest first", async () => {
    const id = (await mb(["run", "-d", "--log-opt", "max-size=2k", "--log-opt", "max-file=3", ...CHATTY])).trim();
    await exited(id);
    expect(logFilesOf(id)).toEqual([`${id}-json.log`, `${id}-json.log.1`, `${id}-json.log.2`]);
    const shown = lines(await mb(["logs", id])).map((l) => Number(l.split(" ")[1]));
    expect(shown.at(-1)).toBe(199);
    expect(shown.length).toBeLessThan(200);
    expect(shown.length).toBeGreaterThan(20); // three files of ~2 KiB, not only the current one
    expect(shown).toEqual(shown.map((_, i) => shown[0]! + i)); // contiguous: nothing lost or repeated between files
    expect((await inspect(id)).HostConfig.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "2k", "max-file": "3" } });
  }, T);

  test("max-file=1 keeps one file", async () => {
    const id = (await mb(["run", "-d", "--log-driver", "json-file", "--log-opt", "max-size=2k", "--log-opt", "max-file=1", ...CHATTY])).trim();
    await exited(id);
    expect(logFilesOf(id)).toEqual([`${id}-json.log`]);
    expect(lines(await mb(["logs", id])).at(-1)).toStartWith("line 0199 ");
  }, T);

  test("local: logs work; inspect names the driver", async () => {
    const id = (await mb(["run", "-d", "--log-driver", "local", "busybox", "echo", "hello-local"])).trim();
    await exited(id);
    expect(await mb(["logs", id])).toBe("hello-local\n");
    expect((await inspect(id)).HostConfig.LogConfig).toEqual({ Type: "local", Config: {} });
  }, T);

  test("none: nothing is written, the container is not held up, and logs refuses like Docker", async () => {
    const id = (await mb(["run", "-d", "--log-driver", "none", ...CHATTY])).trim();
    await exited(id);
    expect(logFilesOf(id)).toEqual([]);
    const r = await ctx.sb.run(["logs", id]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([expect.stringContaining("configured logging driver does not support reading")]);
    expect(r.stdout).toBe("");
  }, T);

  test("the default is json-file", async () => {
    const id = (await mb(["create", "busybox", "true"])).trim();
    expect((await inspect(id)).HostConfig.LogConfig).toEqual({ Type: "json-file", Config: {} });
  }, T);

  test("bad drivers and options: one line, exit 125, nothing created", async () => {
    const before = ctx.containerIds().length;
    for (const [args, message] of [
      [["--log-driver", "syslog"], "logger: no log driver named 'syslog' is registered"],
      [["--log-opt", "max-size=abc"], "invalid size: 'abc'"],
      [["--log-opt", "max-file=0"], "max-file cannot be less than 1"],
      [["--log-opt", "max-file=x"], "max-file"],
      [["--log-opt", "frobnicate=1"], "unknown log opt 'frobnicate' for json-file log driver"],
      [["--log-opt", "novalue"], "invalid key value pair format"],
      [["--log-driver", "none", "--log-opt", "max-size=1k"], "unknown log opt 'max-size' for none log driver"],
    ] as const) {
      const r = await ctx.sb.run(["create", ...args, "busybox", "true"]);
      expect(r.code).toBe(125);
      expect(lines(r.stderr)).toEqual([expect.stringContaining(message)]);
    }
    expect(ctx.containerIds().length).toBe(before);
    expect(existsSync(join(ctx.sb.root, "containers"))).toBe(true);
  }, T);
});

describe("logs --until and --details", () => {
  test("--until excludes entries at and after the instant; --details adds Docker's attribute field (empty: a space)", async () => {
    const id = (await mb(["run", "-d", "busybox", "sh", "-c", "echo first; echo second; echo third"])).trim();
    await exited(id);
    const stamped = lines(await mb(["logs", "-t", id]));
    expect(stamped.map((l) => l.split(" ")[1])).toEqual(["first", "second", "third"]);
    const secondAt = stamped[1]!.split(" ")[0]!;
    expect(await mb(["logs", "--until", secondAt, id])).toBe("first\n");
    expect(await mb(["logs", "--since", secondAt, "--until", stamped[2]!.split(" ")[0]!, id])).toBe("second\n");
    expect(await mb(["logs", "--details", id])).toBe(" first\n second\n third\n");
    expect(lines(await mb(["logs", "--details", "-t", "--tail", "1", id]))).toEqual([`${stamped[2]!.split(" ")[0]}  third`]);
  }, T);
});

