// runtime area: runc's --preserve-fds N for create/run/exec: the caller's fds 3..3+N-1 become the
// container process's fds 3..3+N-1, and nothing else of ours is left open in it.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { makeRuntimeSandbox, readText, type RuntimeSandbox } from "./runtime-bundle.ts";

// Several runtime commands per test, each a process start: slow on a loaded machine.
setDefaultTimeout(60_000);

let sb: RuntimeSandbox;
beforeAll(() => { sb = makeRuntimeSandbox(); });
afterAll(() => sb.cleanup());

/** Runs the runtime with two extra files open at fds 3 and 4. */
async function withFds(args: string[], name: string): Promise<{ code: number; stderr: string; fd3: string; fd4: string }> {
  const [p3, p4] = [join(sb.base, `${name}.fd3`), join(sb.base, `${name}.fd4`)];
  const fd3 = openSync(p3, "w"), fd4 = openSync(p4, "w");
  const err = join(sb.base, `${name}.err`);
  try {
    const proc = Bun.spawn([BINARY, "--root", sb.root, ...args], { stdio: ["ignore", Bun.file(join(sb.base, `${name}.out`)), Bun.file(err), fd3, fd4], timeout: 30_000 });
    const code = await proc.exited;
    return { code, stderr: readText(err), fd3: readText(p3), fd4: readText(p4) };
  } finally {
    closeSync(fd3);
    closeSync(fd4);
  }
}

// Only shell builtins: no child and no fd of its own, so /proc/$$/fd shows what the process was given.
const openFds = "for n in 0 1 2 3 4 5 6 7 8 9; do [ -e /proc/$$/fd/$n ] && echo -n \"$n \"; done; true";
const probe = `echo three >&3; if [ -e /proc/$$/fd/4 ]; then echo four >&4; fi; { ${openFds}; } >&3`;

describe("--preserve-fds", () => {
  test("run --preserve-fds 1 passes fd 3 only", async () => {
    const bundle = sb.bundle("pfd", (c) => { c.process.args = ["sh", "-c", probe]; });
    const r = await withFds(["run", "--preserve-fds", "1", "--bundle", bundle, "pfd"], "pfd");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.fd3).toBe("three\n0 1 2 3 ");
    expect(r.fd4).toBe("");
  });

  test("create --preserve-fds 2, then start", async () => {
    const bundle = sb.bundle("pfd2", (c) => { c.process.args = ["sh", "-c", probe]; });
    const r = await withFds(["create", "--preserve-fds", "2", "--bundle", bundle, "pfd2"], "pfd2");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((await sb.run(["start", "pfd2"])).code).toBe(0);
    const deadline = Date.now() + 10_000;
    while (!readText(join(sb.base, "pfd2.fd3")).includes(" 4 ") && Date.now() < deadline) await Bun.sleep(20);
    expect(readText(join(sb.base, "pfd2.fd3"))).toBe("three\n0 1 2 3 4 ");
    expect(readText(join(sb.base, "pfd2.fd4"))).toBe("four\n");
    await sb.run(["delete", "--force", "pfd2"]);
  });

  test("without it, no fd of the caller reaches the container", async () => {
    const bundle = sb.bundle("nopfd", (c) => { c.process.args = ["sh", "-c", openFds]; });
    const r = await withFds(["run", "--bundle", bundle, "nopfd"], "nopfd");
    expect(r.code).toBe(0);
    expect(readText(join(sb.base, "nopfd.out"))).toBe("0 1 2 ");
  });

  test("exec --preserve-fds 1", async () => {
    const bundle = sb.bundle("pfdexec", (c) => { c.process.args = ["sleep", "60"]; });
    expect((await sb.run(["run", "-d", "--bundle", bundle, "pfdexec"], { outFile: join(sb.base, "pfdexec.run") })).code).toBe(0);
    try {
      const r = await withFds(["exec", "--preserve-fds", "1", "pfdexec", "sh", "-c", probe], "pfdexec");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.fd3).toBe("three\n0 1 2 3 ");
    } finally {
      await sb.run(["delete", "--force", "pfdexec"]);
    }
  });

  test("a bad count or a closed fd is refused before anything is created", async () => {
    const bundle = sb.bundle("pfdbad", (c) => { c.process.args = ["true"]; });
    const bad = await sb.run(["create", "--preserve-fds", "x", "--bundle", bundle, "pfdbad"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("preserve-fds");
    const closed = await sb.run(["create", "--preserve-fds", "40", "--bundle", bundle, "pfdbad"]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain("preserve-fds");
    expect((await sb.run(["state", "pfdbad"])).stderr).toContain("container does not exist");
  });
});
