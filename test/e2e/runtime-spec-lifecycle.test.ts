// runtime area: the runtime-spec's lifecycle and state rules (runtime.md), as OCI runtime-tools'
// validation suite checks them (that suite is not packaged by Debian; its checks for what minibox does
// are ported here): state fields in each status, operations refused in the wrong status without effect,
// kill of a created container, hooks' order around the lifecycle.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { makeRuntimeSandbox, readText, type RuntimeSandbox } from "./runtime-bundle.ts";

// Several runtime commands per test, each a process start: slow on a loaded machine.
setDefaultTimeout(60_000);

let sb: RuntimeSandbox;
beforeAll(() => { sb = makeRuntimeSandbox(); });
afterAll(() => sb.cleanup());

async function state(id: string): Promise<Record<string, any>> {
  const r = await sb.run(["state", id]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe("runtime-spec lifecycle (runtime-tools' checks)", () => {
  test("state: the required fields in created, running and stopped", async () => {
    const bundle = sb.bundle("st", (c) => { c.process.args = ["sleep", "60"]; c.annotations = { "org.example.a": "b" }; });
    expect((await sb.run(["create", "--bundle", bundle, "st"], { outFile: join(sb.base, "st.out") })).code).toBe(0);
    try {
      const created = await state("st");
      expect(created).toMatchObject({ ociVersion: "1.0.2", id: "st", status: "created", bundle, annotations: { "org.example.a": "b" } });
      expect(isAbsolute(created.bundle)).toBe(true);
      expect(created.pid).toBeGreaterThan(0);
      expect((await sb.run(["start", "st"])).code).toBe(0);
      const running = await state("st");
      expect(running).toMatchObject({ status: "running", pid: created.pid });
      expect((await sb.run(["kill", "st", "KILL"])).code).toBe(0);
      await until("stopped", async () => (await state("st")).status === "stopped");
      expect((await state("st")).id).toBe("st");
    } finally {
      await sb.run(["delete", "--force", "st"]);
    }
  });

  test("create with an id in use fails and leaves the first container as it was", async () => {
    const bundle = sb.bundle("dup", (c) => { c.process.args = ["sleep", "60"]; });
    expect((await sb.run(["create", "--bundle", bundle, "dup"], { outFile: join(sb.base, "dup.out") })).code).toBe(0);
    try {
      const before = await state("dup");
      const again = await sb.run(["create", "--bundle", bundle, "dup"], { outFile: join(sb.base, "dup2.out") });
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain("already exists");
      expect(await state("dup")).toEqual(before);
    } finally {
      await sb.run(["delete", "--force", "dup"]);
    }
  });

  test("kill of a created container signals its process; start then fails", async () => {
    const bundle = sb.bundle("killcreated", (c) => { c.process.args = ["true"]; });
    expect((await sb.run(["create", "--bundle", bundle, "killcreated"], { outFile: join(sb.base, "kc.out") })).code).toBe(0);
    try {
      expect((await sb.run(["kill", "killcreated", "KILL"])).code).toBe(0);
      await until("stopped", async () => (await state("killcreated")).status === "stopped");
      const start = await sb.run(["start", "killcreated"]);
      expect(start.code).not.toBe(0);
      expect((await state("killcreated")).status).toBe("stopped");
    } finally {
      await sb.run(["delete", "--force", "killcreated"]);
    }
  });

  test("kill of a stopped container is an error and changes nothing; delete then works", async () => {
    const bundle = sb.bundle("killstopped", (c) => { c.process.args = ["true"]; });
    expect((await sb.run(["run", "--keep", "--bundle", bundle, "killstopped"], { outFile: join(sb.base, "ks.out") })).code).toBe(0);
    expect((await state("killstopped")).status).toBe("stopped");
    const kill = await sb.run(["kill", "killstopped", "TERM"]);
    expect(kill.code).not.toBe(0);
    expect(kill.stderr).toContain("container not running");
    expect((await state("killstopped")).status).toBe("stopped");
    expect((await sb.run(["delete", "killstopped"])).code).toBe(0);
    expect((await sb.run(["state", "killstopped"])).stderr).toContain("container does not exist");
  });

  test("delete of a running container without --force is an error and the container keeps running", async () => {
    const bundle = sb.bundle("delrun", (c) => { c.process.args = ["sleep", "60"]; });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "delrun"], { outFile: join(sb.base, "dr.out") })).code).toBe(0);
    try {
      const before = await state("delrun");
      expect((await sb.run(["delete", "delrun"])).code).not.toBe(0);
      expect(await state("delrun")).toEqual(before);
      expect(readFileSync(`/proc/${before.pid}/cmdline`, "utf8").split("\0")[0]).toBe("sleep");
    } finally {
      await sb.run(["delete", "--force", "delrun"]);
    }
  });

  test("hooks: each kind in lifecycle order, prestart with createRuntime, poststop only after delete", async () => {
    const host = join(sb.base, "lifecycle-hooks");
    mkdirSync(host);
    const mark = (name: string) => ({ path: "/bin/sh", args: ["sh", "-c", `echo ${name} >> ${host}/order`] });
    const bundle = sb.bundle("hookorder", (c) => {
      c.process.args = ["true"];
      c.hooks = {
        poststop: [mark("poststop")], poststart: [mark("poststart")], createRuntime: [mark("createRuntime"), mark("createRuntime2")],
        prestart: [mark("prestart")], createContainer: [mark("createContainer")],
      };
    });
    const order = () => readText(join(host, "order")).trim().split("\n");
    expect((await sb.run(["create", "--bundle", bundle, "hookorder"], { outFile: join(sb.base, "ho.out") })).code).toBe(0);
    expect(order()).toEqual(["prestart", "createRuntime", "createRuntime2", "createContainer"]);
    expect((await sb.run(["start", "hookorder"])).code).toBe(0);
    expect(order().at(-1)).toBe("poststart");
    await until("stopped", async () => (await state("hookorder")).status === "stopped");
    expect(order()).not.toContain("poststop"); // stopped is not deleted
    expect((await sb.run(["delete", "hookorder"])).code).toBe(0);
    expect(order()).toEqual(["prestart", "createRuntime", "createRuntime2", "createContainer", "poststart", "poststop"]);
  });
});
