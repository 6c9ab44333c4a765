// runtime area: `events` as runc prints them: stats events (one with --stats), and {"type":"oom"} when the
// kernel OOM-kills in the container's cgroup.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { makeRuntimeSandbox, type RuntimeSandbox } from "./runtime-bundle.ts";
import { BINARY } from "./harness.ts";

// Several runtime commands per test, each a process start: slow on a loaded machine.
setDefaultTimeout(60_000);

let sb: RuntimeSandbox;
beforeAll(() => { sb = makeRuntimeSandbox(); });
afterAll(() => sb.cleanup());

describe("events", () => {
  test("--stats prints one stats event in runc's shape and exits", async () => {
    const bundle = sb.bundle("stats", (c) => {
      c.process.args = ["sleep", "60"];
      c.linux.resources = { ...c.linux.resources, memory: { limit: 64 << 20 }, pids: { limit: 50 } };
    });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "stats"], { outFile: join(sb.base, "stats.out") })).code).toBe(0);
    try {
      const r = await sb.run(["events", "--stats", "stats"]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines.length).toBe(1);
      const e = JSON.parse(lines[0]!);
      expect(e).toMatchObject({ type: "stats", id: "stats" });
      expect(e.data.memory.usage.limit).toBe(64 << 20);
      expect(e.data.memory.usage.usage).toBeGreaterThan(0);
      expect(e.data.memory.usage.failcnt).toBe(0);
      expect(typeof e.data.memory.raw).toBe("object");
      expect(e.data.pids).toMatchObject({ current: 1, limit: 50 });
      expect(e.data.cpu.usage.total).toBeGreaterThan(0);
    } finally {
      await sb.run(["delete", "--force", "stats"]);
    }
  });

  test("an OOM kill in the container's cgroup is reported as {type: oom}", async () => {
    const bundle = sb.bundle("oom", (c) => {
      // waits for the `go` file so that `events` is listening before the allocation starts
      c.process.args = ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done; x=$(head -c 200000000 /dev/zero | tr '\\0' a); exec sleep 60"];
      c.root.readonly = false;
      c.linux.resources = { ...c.linux.resources, memory: { limit: 32 << 20 } };
    });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "oom"], { outFile: join(sb.base, "oom.out") })).code).toBe(0);
    const events = Bun.spawn([BINARY, "--root", sb.root, "events", "--interval", "1s", "oom"], { stdout: "pipe", stderr: "pipe" });
    try {
      const reader = (events.stdout as ReadableStream<Uint8Array>).getReader();
      let text = "";
      const lines = () => text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
      let pending: ReturnType<typeof reader.read> | undefined; // one read at a time, never dropped
      const readUntil = async (what: string, ok: () => boolean) => {
        const deadline = Date.now() + 30_000;
        while (!ok()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${text}`);
          pending ??= reader.read();
          const chunk = await Promise.race([pending, Bun.sleep(500).then(() => undefined)]);
          if (!chunk) continue;
          pending = undefined;
          if (chunk.value) text += new TextDecoder().decode(chunk.value);
          if (chunk.done) break;
        }
      };
      await readUntil("a first stats event", () => lines().some((e) => e.type === "stats"));
      await Bun.write(join(bundle, "rootfs/tmp/go"), "");
      await readUntil("an oom event", () => lines().some((e) => e.type === "oom"));
      expect(lines().find((e) => e.type === "oom")).toEqual({ type: "oom", id: "oom" });
    } finally {
      await sb.run(["delete", "--force", "oom"]);
      const code = await Promise.race([events.exited, Bun.sleep(15_000).then(() => "still running")]);
      if (code === "still running") events.kill("SIGKILL");
      expect(code).toBe(0); // the stream ends when the container is gone
    }
  }, 60_000);
});
