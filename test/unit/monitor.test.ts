// The monitor's parts that can be tested without a container: request and reply parsing (fed hostile and
// random input), the request handler's reaction to failures (a failed setns hands over), the log writer on
// a full device, peer credentials, the kernel's exit events, and the store's modes.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BadRequestError, parseReply, parseRequest, type Request } from "../../src/monitor/protocol.ts";
import { requestHandler, type MonitorDeps } from "../../src/monitor/server.ts";
import type { Supervised } from "../../src/monitor/supervise.ts";
import { JsonFileLog } from "../../src/logs/json-file.ts";
import { SyscallError } from "../../src/sys/errno.ts";
import { UserError } from "../../src/errors.ts";
import { peerCredentials } from "../../src/sys/peercred.ts";
import { socketPair } from "../../src/sys/tty.ts";
import { closeFd } from "../../src/sys/fs.ts";
import { exitCodeOfStatus } from "../../src/sys/proc-events.ts";
import { ExitWitness } from "../../src/container/exit-witness.ts";
import { secureStore } from "../../src/state/store-permissions.ts";

const ID = "a".repeat(64);

describe("parseRequest", () => {
  test("the two requests there are", () => {
    expect(parseRequest('{"op":"ping"}')).toEqual({ op: "ping" });
    expect(parseRequest(JSON.stringify({ op: "start", id: ID }))).toEqual({ op: "start", id: ID });
    expect(parseRequest(JSON.stringify({ id: ID, op: "start" }))).toEqual({ op: "start", id: ID });
  });

  test("dns-wire: the dns request, without fields", () => {
    expect(parseRequest('{"op":"dns"}')).toEqual({ op: "dns" });
    expect(() => parseRequest('{"op":"dns","network":"x"}')).toThrow(BadRequestError);
  });

  test.each([
    ["not JSON", "{"], ["an array", "[]"], ["null", "null"], ["a number", "42"], ["a string", '"ping"'],
    ["no op", "{}"], ["an unknown op", '{"op":"rm"}'], ["start without id", '{"op":"start"}'],
    ["a numeric id", '{"op":"start","id":7}'], ["a short id", '{"op":"start","id":"abc"}'],
    ["an upper-case id", JSON.stringify({ op: "start", id: "A".repeat(64) })],
    ["an id with ..", JSON.stringify({ op: "start", id: "../".repeat(21) + "a" })],
    ["an id with a slash", JSON.stringify({ op: "start", id: "a".repeat(63) + "/" })],
    ["an id with a trailing newline", JSON.stringify({ op: "start", id: ID + "\n" })],
    ["an extra field (a path)", JSON.stringify({ op: "start", id: ID, path: "/etc" })],
    ["ping with a field", '{"op":"ping","id":1}'], ["a prototype key", '{"op":"ping","__proto__":{"x":1}}'],
    ["a huge line", JSON.stringify({ op: "ping", pad: "x".repeat(10_000) })],
  ])("refuses %s", (_what, line) => {
    expect(() => parseRequest(line)).toThrow(BadRequestError);
  });

  test("random bytes and mutated requests: a BadRequestError or a valid request, nothing else", () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const base = JSON.stringify({ op: "start", id: ID });
    for (let i = 0; i < 5000; i++) {
      let line: string;
      if (i % 2 === 0) {
        line = Array.from({ length: Math.floor(random() * 80) }, () => String.fromCharCode(Math.floor(random() * 128))).join("");
      } else {
        const chars = [...base];
        for (let k = 0; k < 1 + Math.floor(random() * 3); k++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(32 + Math.floor(random() * 95));
        line = chars.join("");
      }
      let parsed: Request | undefined;
      try {
        parsed = parseRequest(line);
      } catch (e) {
        expect(e).toBeInstanceOf(BadRequestError);
        continue;
      }
      if (parsed.op === "start") expect(parsed.id).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});

describe("parseReply", () => {
  test("good replies", () => {
    expect(parseReply('{"ok":true,"pid":7,"warnings":["w"]}')).toEqual({ ok: true, pid: 7, warnings: ["w"] });
    expect(parseReply('{"ok":false,"error":"no","exitCode":125}')).toEqual({ ok: false, error: "no", exitCode: 125 });
  });
  test.each(['{"ok":true,"pid":-1}', '{"ok":true,"warnings":[1]}', '{"ok":false,"error":1,"exitCode":1}', "[]", "null", "x", '{"ok":"yes"}'])(
    "refuses %s", (line) => expect(() => parseReply(line)).toThrow(BadRequestError));
});

describe("requestHandler", () => {
  const never: Supervised = { id: ID, done: new Promise(() => {}) };
  function handler(supervise: MonitorDeps["supervise"]) {
    const calls: SyscallError[] = [];
    const watching = new Map<string, Supervised>();
    const handle = requestHandler(watching, { supervise, foreignNamespace: (e) => calls.push(e) }, () => {});
    return { handle, calls, watching };
  }

  test("a failed setns (the way back to the host namespaces) hands over; the client gets an error", async () => {
    const { handle, calls } = handler(async () => { throw new SyscallError("setns", 22, "/proc/self/ns/mnt"); });
    const reply = await handle({ op: "start", id: ID });
    expect(reply).toEqual({ ok: false, error: "setns /proc/self/ns/mnt: EINVAL", exitCode: 125 });
    expect(calls.map((e) => e.syscall)).toEqual(["setns"]);
  });

  test("any other failure is one container's problem: an error reply with its exit code, no hand-over", async () => {
    const { handle, calls } = handler(async () => { throw new UserError("no such image", 127); });
    expect(await handle({ op: "start", id: ID })).toEqual({ ok: false, error: "no such image", exitCode: 127 });
    const other = handler(async () => { throw new SyscallError("mount", 28, "/x"); });
    expect(await other.handle({ op: "start", id: ID })).toMatchObject({ ok: false, exitCode: 125 });
    expect([...calls, ...other.calls]).toEqual([]);
  });

  test("a started container is watched; a second start of it is refused; ping answers", async () => {
    const { handle, watching } = handler(async () => ({ pid: 42, warnings: ["w"], supervised: never }));
    expect(await handle({ op: "start", id: ID })).toEqual({ ok: true, pid: 42, warnings: ["w"] });
    expect([...watching.keys()]).toEqual([ID]);
    expect(await handle({ op: "start", id: ID })).toMatchObject({ ok: false, exitCode: 1 });
    expect(await handle({ op: "ping" })).toEqual({ ok: true, pid: process.pid });
  });

  test("dns-wire: a dns request syncs the DNS servers and passes their warnings on", async () => {
    let synced = 0;
    const handle = requestHandler(new Map(), {
      supervise: async () => { throw new Error("not asked"); }, foreignNamespace: () => {},
      dns: async () => { synced++; return ["network n: port taken"]; },
    }, () => {});
    expect(await handle({ op: "dns" })).toEqual({ ok: true, warnings: ["network n: port taken"] });
    expect(synced).toBe(1);
  });
});

describe("JsonFileLog on a full device", () => {
  test("ENOSPC drops and counts lines, reports once, never throws", () => {
    const events: unknown[] = [];
    const log = new JsonFileLog("/dev/full", undefined, undefined, (e) => events.push(e));
    for (let i = 0; i < 10; i++) log.write("stdout", `line ${i}\n`);
    log.write("stderr", "no newline");
    log.close();
    expect(log.dropped).toBe(11);
    expect(events).toEqual([{ dropping: true, error: expect.stringContaining("ENOSPC") }]);
  });
});

describe("kernel facts", () => {
  test("SO_PEERCRED names this process at the other end of a socketpair", () => {
    const [a, b] = socketPair();
    try {
      expect(peerCredentials(a)).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    } finally {
      closeFd(a);
      closeFd(b);
    }
  });

  test("wait statuses become Docker's exit codes", () => {
    expect([0, 3 << 8, 255 << 8, 9, 15, 0x80 | 11].map(exitCodeOfStatus)).toEqual([0, 3, 255, 137, 143, 139]);
  });

  test.skipIf(process.getuid!() !== 0)("the proc connector tells a non-parent how a process ended", async () => {
    const witness = ExitWitness.open();
    if (!witness) throw new Error("no proc connector although root: kernel without CONFIG_PROC_EVENTS?");
    try {
      const child = Bun.spawn(["sh", "-c", "read x; exit 3"], { stdin: "pipe" });
      witness.watch(child.pid);
      child.stdin.end();
      await child.exited;
      expect(await witness.exitCodeOf(child.pid)).toBe(3);
      expect(await witness.exitCodeOf(child.pid, 0)).toBeUndefined(); // consumed, and never made up
    } finally {
      witness.close();
    }
  });
});

describe("secureStore", () => {
  let base: string;
  beforeEach(() => { base = mkdtempSync(join(tmpdir(), "minibox-perm-")); });
  afterEach(() => rmSync(base, { recursive: true, force: true }));
  const mode = (p: string) => statSync(p).mode & 0o7777;

  test("creates the root, layers and containers 0700", () => {
    const root = join(base, "store");
    secureStore(root);
    for (const p of [root, join(root, "layers"), join(root, "containers")]) expect(mode(p)).toBe(0o700);
  });

  test("tightens 0755 dirs, keeps the owner's bits, touches nothing below", () => {
    const root = join(base, "store");
    mkdirSync(join(root, "layers", "x", "fs"), { recursive: true, mode: 0o755 });
    chmodSync(root, 0o755);
    chmodSync(join(root, "layers"), 0o751);
    secureStore(root);
    expect([mode(root), mode(join(root, "layers")), mode(join(root, "layers", "x"))]).toEqual([0o700, 0o700, 0o755]);
  });

  test("a symlink planted as layers/ is not followed", () => {
    const root = join(base, "store");
    const elsewhere = join(base, "elsewhere");
    mkdirSync(root, { mode: 0o700 });
    mkdirSync(elsewhere, { mode: 0o755 });
    symlinkSync(elsewhere, join(root, "layers"));
    secureStore(root);
    expect(lstatSync(join(root, "layers")).isSymbolicLink()).toBe(true);
    expect(mode(elsewhere)).toBe(0o755);
    expect(existsSync(join(root, "containers"))).toBe(true);
  });
});
