// runtime area: OCI hooks (runtime-spec config.md): each kind at its moment, in its namespace, with the
// state on stdin, its args, env and timeout; failures fail create/start, or only warn (poststart, poststop).
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { existsSync, mkdirSync, readlinkSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { makeRuntimeSandbox, readText, type RuntimeSandbox } from "./runtime-bundle.ts";

// Several runtime commands per test, each a process start: slow on a loaded machine.
setDefaultTimeout(60_000);

let sb: RuntimeSandbox;
beforeAll(() => { sb = makeRuntimeSandbox(); });
afterAll(() => sb.cleanup());

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

async function state(id: string): Promise<Record<string, any>> {
  return JSON.parse((await sb.run(["state", id])).stdout);
}

/** A hook that saves its stdin and mount namespace to <dir>/<name>.json/.mnt and appends its name to <dir>/order. */
function recorder(name: string, dir: string, shell = "/bin/sh") {
  return { path: shell, args: ["sh", "-c", `cat > ${dir}/${name}.json; readlink /proc/self/ns/mnt > ${dir}/${name}.mnt; echo ${name} >> ${dir}/order`] };
}

const ids = () => { try { return readdirSync(sb.root); } catch { return []; } };

describe("hooks", () => {
  test("every kind runs in order, with the state on stdin, in its namespace", async () => {
    const host = join(sb.base, "order-hooks");
    mkdirSync(host);
    const bundle = sb.bundle("hooked", (c) => {
      c.process.args = ["sh", "-c", "echo command >> /hooks/order; exec sleep 60"];
      c.mounts.push({ destination: "/hooks", type: "bind", source: host, options: ["rbind", "rw"] });
      c.annotations = { "org.example.k": "v" };
      c.hooks = {
        prestart: [recorder("prestart", host)],
        createRuntime: [recorder("createRuntime", host)],
        createContainer: [recorder("createContainer", host)],
        // resolved and run in the container: its /bin/sh, the bind mount at /hooks
        startContainer: [recorder("startContainer", "/hooks")],
        poststart: [recorder("poststart", host)],
        poststop: [recorder("poststop", host)],
      };
    });
    const out = join(sb.base, "hooked.out");
    const created = await sb.run(["create", "--bundle", bundle, "hooked"], { outFile: out });
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const pid = (await state("hooked")).pid as number;
    const lines = () => readText(join(host, "order")).trim().split("\n");
    expect(lines()).toEqual(["prestart", "createRuntime", "createContainer"]);

    const hostMnt = readlinkSync("/proc/self/ns/mnt");
    const containerMnt = readlinkSync(`/proc/${pid}/ns/mnt`);
    expect(containerMnt).not.toBe(hostMnt);
    expect(readText(join(host, "prestart.mnt")).trim()).toBe(hostMnt);
    expect(readText(join(host, "createRuntime.mnt")).trim()).toBe(hostMnt);
    expect(readText(join(host, "createContainer.mnt")).trim()).toBe(containerMnt);
    const s = JSON.parse(readText(join(host, "createRuntime.json")));
    expect(s).toMatchObject({ ociVersion: "1.0.2", id: "hooked", status: "creating", pid, bundle, annotations: { "org.example.k": "v" } });
    expect(JSON.parse(readText(join(host, "createContainer.json")))).toMatchObject({ id: "hooked", status: "creating", pid });

    const started = await sb.run(["start", "hooked"]);
    expect(started.stderr).toBe("");
    expect(started.code).toBe(0);
    // start returned: startContainer ran before the command, poststart after the exec
    expect(lines().slice(0, 4)).toEqual(["prestart", "createRuntime", "createContainer", "startContainer"]);
    expect(lines()).toContain("poststart");
    expect(readText(join(host, "startContainer.mnt")).trim()).toBe(containerMnt);
    expect(JSON.parse(readText(join(host, "startContainer.json")))).toMatchObject({ id: "hooked", status: "created", pid });
    expect(JSON.parse(readText(join(host, "poststart.json")))).toMatchObject({ id: "hooked", status: "running", pid });
    expect(readText(`/proc/${pid}/cmdline`).split("\0")[0]).toBe("sleep"); // exec'd before poststart ran
    await until("the command", () => lines().includes("command"));
    expect(lines().indexOf("command")).toBeGreaterThan(lines().indexOf("startContainer"));
    expect(existsSync(join(host, "poststop.json"))).toBe(false);

    expect((await sb.run(["delete", "--force", "hooked"])).code).toBe(0);
    expect(lines().at(-1)).toBe("poststop");
    expect(JSON.parse(readText(join(host, "poststop.json")))).toMatchObject({ id: "hooked", status: "stopped", bundle });
  });

  test("a hook gets its args (args[0] as argv0) and only its env", async () => {
    const host = join(sb.base, "args-hooks");
    mkdirSync(host);
    const bundle = sb.bundle("hookargs", (c) => {
      c.process.args = ["true"];
      c.hooks = { createRuntime: [{ path: "/bin/sh", args: ["my-hook", "-c", `echo "$(head -c 7 /proc/$$/cmdline) $0 $1 [$HOOK_VAR] [$HOME]" > ${host}/args`, "zero", "one"], env: ["HOOK_VAR=x y"] }] };
    });
    expect((await sb.run(["run", "--bundle", bundle, "hookargs"], { outFile: join(sb.base, "hookargs.out") })).code).toBe(0);
    expect(readText(join(host, "args")).trim()).toBe("my-hook zero one [x y] []");
  });

  test("a createRuntime hook past its timeout is killed and create fails, leaving nothing", async () => {
    const host = join(sb.base, "timeout-hooks");
    mkdirSync(host);
    const bundle = sb.bundle("hooktimeout", (c) => {
      c.hooks = { createRuntime: [{ path: "/bin/sh", args: ["sh", "-c", `echo $$ > ${host}/pid; exec sleep 60`], timeout: 1 }] };
    });
    const r = await sb.run(["create", "--bundle", bundle, "hooktimeout"], { outFile: join(sb.base, "hooktimeout.out") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("createRuntime hook #0");
    expect(r.stderr).toContain("timeout");
    const hookPid = Number(readText(join(host, "pid")));
    expect(hookPid).toBeGreaterThan(0);
    await until("the hook killed", () => !existsSync(`/proc/${hookPid}`) || readText(`/proc/${hookPid}/stat`).split(") ")[1]?.[0] === "Z");
    expect(ids()).not.toContain("hooktimeout");
  });

  test("a failing createContainer hook fails create with its output; nothing is left", async () => {
    const bundle = sb.bundle("hookfail", (c) => {
      c.hooks = { createContainer: [{ path: "/bin/sh", args: ["sh", "-c", "echo no-gpu-here >&2; exit 3"] }] };
    });
    const r = await sb.run(["create", "--bundle", bundle, "hookfail"], { outFile: join(sb.base, "hookfail.out") });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("createContainer hook #0");
    expect(r.stderr).toContain("exit status 3");
    expect(r.stderr).toContain("no-gpu-here");
    expect(ids()).not.toContain("hookfail");
  });

  test("a failing startContainer hook stops the container before its command runs", async () => {
    const host = join(sb.base, "startfail-hooks");
    mkdirSync(host);
    const bundle = sb.bundle("startfail", (c) => {
      c.process.args = ["sh", "-c", "echo ran > /hooks/ran"];
      c.mounts.push({ destination: "/hooks", type: "bind", source: host, options: ["rbind", "rw"] });
      c.hooks = { startContainer: [{ path: "/bin/false" }] };
    });
    expect((await sb.run(["create", "--bundle", bundle, "startfail"], { outFile: join(sb.base, "startfail.out") })).code).toBe(0);
    await sb.run(["start", "startfail"]);
    await until("stopped", async () => (await state("startfail")).status === "stopped");
    expect(existsSync(join(host, "ran"))).toBe(false);
    expect(readText(join(sb.base, "startfail.out.err"))).toContain("startContainer hook #0");
    expect((await sb.run(["delete", "startfail"])).code).toBe(0);
  });

  test("failing poststart and poststop hooks only warn; the next hook still runs", async () => {
    const host = join(sb.base, "warn-hooks");
    mkdirSync(host);
    const bundle = sb.bundle("hookwarn", (c) => {
      c.process.args = ["sleep", "60"];
      c.hooks = {
        poststart: [{ path: "/bin/false" }, recorder("poststart", host)],
        poststop: [{ path: "/bin/false" }, recorder("poststop", host)],
      };
    });
    expect((await sb.run(["create", "--bundle", bundle, "hookwarn"], { outFile: join(sb.base, "hookwarn.out") })).code).toBe(0);
    const started = await sb.run(["start", "hookwarn"]);
    expect(started.code).toBe(0);
    expect(started.stderr).toContain("warning: poststart hook #0");
    expect((await state("hookwarn")).status).toBe("running");
    const deleted = await sb.run(["delete", "--force", "hookwarn"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stderr).toContain("warning: poststop hook #0");
    expect(readText(join(host, "order")).trim().split("\n")).toEqual(["poststart", "poststop"]);
    expect(ids()).not.toContain("hookwarn");
  });

  test("features lists every hook kind", async () => {
    const f = JSON.parse((await sb.run(["features"])).stdout);
    expect(f.hooks).toEqual(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
  });
});
