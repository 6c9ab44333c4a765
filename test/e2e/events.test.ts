// `events` on the compiled binary: the engine's event log in Docker's shape, filters, formats, history
// windows (--since/--until) and streaming until interrupted.
import { describe, expect, test } from "bun:test";
import { BINARY } from "./harness.ts";
import { lines, readUntil, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-events-");
const mb = (args: string[]) => ctx.sb.run(args);
async function ok(args: string[]): Promise<string> {
  const r = await mb(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
interface Ev { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; scope: string; time: number; timeNano: number; status?: string; id?: string; from?: string }
async function history(...more: string[]): Promise<Ev[]> {
  return lines(await ok(["events", "--since", "0", "--until", String(Date.now() / 1000 + 1), "--format", "{{json .}}", ...more])).map((l) => JSON.parse(l) as Ev);
}

describe("events", () => {
  test("container lifecycle in Docker's order and shape; the monitor writes die with the exit code", async () => {
    const id = (await ok(["run", "-d", "--name", "ev-one", "busybox", "sleep", "1000"])).trim();
    await ok(["pause", "ev-one"]);
    await ok(["unpause", "ev-one"]);
    await ok(["exec", "ev-one", "true"]);
    await ok(["rename", "ev-one", "ev-two"]);
    await ok(["stop", "-t", "1", "ev-two"]);
    await ok(["rm", "ev-two"]);
    const events = (await history("--filter", `container=${id}`));
    expect(events.map((e) => e.Action)).toEqual([
      "create", "start", "pause", "unpause", "exec_create: true", "exec_start: true", "exec_die", "rename", "kill", "kill", "die", "stop", "destroy",
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ Type: "container", scope: "local", status: e.Action, id, from: "busybox" });
      expect(e.Actor.ID).toBe(id);
      expect(e.Actor.Attributes.image).toBe("busybox");
      expect(Math.floor(e.timeNano / 1e9)).toBe(e.time);
    }
    expect(events.find((e) => e.Action === "die")!.Actor.Attributes).toMatchObject({ exitCode: "137", name: "ev-two" });
    // busybox sleep as PID 1 ignores SIGTERM: stop escalates to SIGKILL after -t, and says so.
    expect(events.filter((e) => e.Action === "kill").map((e) => e.Actor.Attributes.signal)).toEqual(["15", "9"]);
    expect(events.find((e) => e.Action === "rename")!.Actor.Attributes).toMatchObject({ name: "ev-two", oldName: "/ev-one" });
    expect(events.find((e) => e.Action === "exec_die")!.Actor.Attributes.exitCode).toBe("0");
    // A foreground run records its own exit: die with the command's code.
    await mb(["run", "--rm", "--name", "ev-fg", "busybox", "sh", "-c", "exit 3"]);
    const fg = await history("--filter", "container=ev-fg");
    expect(fg.map((e) => `${e.Action}${e.Actor.Attributes.exitCode ? `=${e.Actor.Attributes.exitCode}` : ""}`)).toEqual(["create", "start", "die=3", "destroy"]);
  }, T);

  test("update, restart and rm -f: Docker's sequence", async () => {
    const id = (await ok(["run", "-d", "--name", "ev-rs", "busybox", "sleep", "1000"])).trim();
    await ok(["update", "--restart", "on-failure", "ev-rs"]);
    await ok(["restart", "-t", "1", "ev-rs"]);
    await ok(["rm", "-f", "ev-rs"]);
    const events = await history("--filter", `container=${id}`);
    expect(events.map((e) => e.Action)).toEqual(["create", "start", "update", "kill", "kill", "die", "stop", "start", "restart", "kill", "die", "destroy"]);
    expect(events.at(-3)!.Actor.Attributes.signal).toBe("9");
  }, T);

  test("image, volume and network events", async () => {
    await ok(["tag", "busybox", "ev/tagged:1"]);
    await ok(["rmi", "ev/tagged:1"]);
    await ok(["volume", "create", "ev-vol"]);
    await ok(["run", "--rm", "-v", "ev-vol:/data", "busybox", "true"]);
    await ok(["volume", "rm", "ev-vol"]);
    const images = await history("--filter", "type=image");
    const tag = images.find((e) => e.Action === "tag")!;
    expect(tag.Actor.Attributes.name).toBe("ev/tagged:1");
    expect(tag.Actor.ID).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(images.some((e) => e.Action === "untag" && e.Actor.ID === tag.Actor.ID)).toBe(true);
    expect(images.some((e) => e.Action === "load")).toBe(true);
    const volumes = await history("--filter", "volume=ev-vol");
    expect(volumes.map((e) => e.Action)).toEqual(["create", "mount", "unmount", "destroy"]);
    expect(volumes[1]!.Actor.Attributes).toMatchObject({ destination: "/data", driver: "local", "read/write": "true" });
    expect(volumes.every((e) => e.Type === "volume" && e.Actor.ID === "ev-vol")).toBe(true);
    await ok(["network", "create", "ev-net"]);
    await ok(["network", "rm", "ev-net"]);
    const networks = await history("--filter", "network=ev-net");
    expect(networks.map((e) => `${e.Type} ${e.Action} ${e.Actor.Attributes.name} ${e.Actor.Attributes.type}`)).toEqual(["network create ev-net bridge", "network destroy ev-net bridge"]);
    // No container events leak through a type filter.
    expect((await history("--filter", "type=volume")).every((e) => e.Type === "volume")).toBe(true);
  }, T);

  test("filters: event=, image=, label=, several values of a key are alternatives", async () => {
    const starts = await history("--filter", "event=start", "--filter", "event=destroy");
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.every((e) => e.Action === "start" || e.Action === "destroy")).toBe(true);
    const byImage = await history("--filter", "image=busybox", "--filter", "type=container");
    expect(byImage.length).toBeGreaterThan(0);
    expect(await history("--filter", "label=no.such.label")).toEqual([]);
    const bad = await mb(["events", "--until", "1", "--filter", "colour=red"]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(lines(bad.stderr)).toEqual(["minibox: invalid filter 'colour'"]);
  }, T);

  test("Docker's default line: RFC 3339 time with nanoseconds, type, action, id, sorted attributes", async () => {
    const out = lines(await ok(["events", "--since", "0", "--until", String(Date.now() / 1000 + 1), "--filter", "event=rename"]));
    expect(out.length).toBe(1);
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) container rename [0-9a-f]{64} \(image=busybox, name=ev-two, oldName=\/ev-one\)$/);
  }, T);

  test("--since/--until bound the history; --until in the past exits without streaming", async () => {
    const all = await history();
    const middle = all[Math.floor(all.length / 2)]!;
    const since = `${Math.floor(middle.timeNano / 1e9)}.${String(middle.timeNano % 1e9).padStart(9, "0")}`;
    const after = await history("--since", since);
    expect(after.every((e) => e.timeNano >= middle.timeNano - 1000)).toBe(true);
    expect(after.length).toBeLessThan(all.length);
    expect(await ok(["events", "--since", "0", "--until", "1"])).toBe("");
    // moby: either bound alone also shows the stored history (--until alone: from the start).
    const untilOnly = lines(await ok(["events", "--until", String(Date.now() / 1000 + 1), "--format", "{{.Actor.ID}}"]));
    expect(untilOnly.length).toBe(all.length);
    const bad = await mb(["events", "--since", "yesterday", "--until", "1"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('failed to parse value as time or duration: "yesterday"');
  }, T);

  test("without --until it streams new events until interrupted", async () => {
    const proc = Bun.spawn([BINARY, "events", "--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.name}}"], { env: ctx.sb.env, stdout: "pipe", stderr: "pipe" });
    const created: string[] = [];
    try {
      // The stream shows only what happens after it began; keep creating until the first one shows.
      // (The events process may start reading after a first create: creates go on until one shows.)
      let seen = false;
      const reading = readUntil(proc.stdout, "create ev-stream", 30_000).finally(() => { seen = true; });
      for (let i = 0; !seen && i < 100; i++) {
        created.push(`ev-stream-${i}`);
        await ok(["create", "--name", created.at(-1)!, "busybox", "true"]);
      }
      const text = await reading;
      expect(text).not.toContain("ev-two"); // no history without --since
      proc.kill("SIGINT");
      await proc.exited;
      expect(proc.killed || proc.exitCode !== null).toBe(true);
    } finally {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      if (created.length) await mb(["rm", "-f", ...created]);
    }
  }, T);
});
