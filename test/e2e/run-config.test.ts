// `minibox run` through the compiled binary: image config and the flags that override it (env, entrypoint,
// workdir, user), names and --rm, stdin, volumes and terminals.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_PATH } from "../fixtures/images.ts";
import { BINARY, type Result } from "./harness.ts";
import { lines, readUntil, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-run-cfg-", (c) =>
  // An image whose config decides everything: env, entrypoint + cmd, working dir (missing in the rootfs), user.
  c.load("configured.tar", {
    name: "configured:1",
    config: {
      Env: [DEFAULT_PATH, "FROM_IMAGE=image-value", "OVERRIDE_ME=image"],
      Entrypoint: ["/bin/sh", "-c"],
      Cmd: ['echo "$FROM_IMAGE $OVERRIDE_ME"; pwd; id -u; echo $HOME'],
      WorkingDir: "/srv/app",
      User: "app",
    },
  }));
const { run, ok, containerIds } = ctx;

function expectOneLineError(r: Result, pattern: RegExp): void {
  expect(r.code).toBe(125);
  const errs = lines(r.stderr);
  expect(errs).toHaveLength(1);
  expect(errs[0]).toMatch(pattern);
}

interface StoredContainer { id: string; name: string; state: { status: string; exitCode?: number } }
function readContainer(id: string): StoredContainer {
  return JSON.parse(readFileSync(join(ctx.sb.root, "containers", id, "container.json"), "utf8")) as StoredContainer;
}

describe("image config and overrides", () => {
  test("the image's Env, Entrypoint, Cmd, WorkingDir and User apply", async () => {
    expect(lines(await ok(["--rm", "configured:1"]))).toEqual(["image-value image", "/srv/app", "1000", "/home/app"]);
  }, T);

  test("-e KEY=VALUE overrides the image's, -e KEY takes the host's value, unset host vars are dropped", async () => {
    const out = await ok(["--rm", "-e", "OVERRIDE_ME=cli", "-e", "FROM_HOST", "-e", "NOT_ON_HOST", "busybox", "sh", "-c",
      'echo "$OVERRIDE_ME|$FROM_HOST|${NOT_ON_HOST-unset}"'], { env: { FROM_HOST: "host-value" } });
    expect(out).toBe("cli|host-value|unset\n");
    // Against the configured image: the command replaces Cmd, the entrypoint (sh -c) stays.
    expect(await ok(["--rm", "-e", "OVERRIDE_ME=cli", "configured:1", 'echo "$FROM_IMAGE $OVERRIDE_ME"'])).toBe("image-value cli\n");
  }, T);

  test("--env-file", async () => {
    const file = join(ctx.base, "vars.env");
    writeFileSync(file, "# a comment\nFILE_A=one\n\nFILE_B=two words\nFILE_HOST\n");
    const out = await ok(["--rm", "--env-file", file, "-e", "FILE_A=cli-wins", "busybox", "sh", "-c", 'echo "$FILE_A|$FILE_B|$FILE_HOST"'],
      { env: { FILE_HOST: "from-host" } });
    expect(out).toBe("cli-wins|two words|from-host\n");
    expectOneLineError(await run(["--rm", "--env-file", join(ctx.base, "missing.env"), "busybox", "true"]), /missing\.env/);
  }, T);

  test("--entrypoint replaces the image's entrypoint and drops its Cmd", async () => {
    expect(await ok(["--rm", "--entrypoint", "/bin/echo", "configured:1", "a", "b"])).toBe("a b\n");
    expect(await ok(["--rm", "--entrypoint", "pwd", "configured:1"])).toBe("/srv/app\n");
  }, T);

  test("-w sets the working directory, creating it when missing", async () => {
    expect(await ok(["--rm", "-w", "/does/not/exist/yet", "busybox", "pwd"])).toBe("/does/not/exist/yet\n");
    expect(await ok(["--rm", "--workdir", "/tmp", "busybox", "pwd"])).toBe("/tmp\n");
    expect(await ok(["--rm", "-w", "/", "configured:1"])).toContain("\n/\n");
  }, T);

  test("-u app: uid, gid, supplementary groups and HOME from the image's passwd and group", async () => {
    const out = await ok(["--rm", "-u", "app", "busybox", "sh", "-c", "id -u; id -g; id -G; echo $HOME; touch /tmp/w && echo writable"]);
    const [uid, gid, groups, home, writable] = lines(out);
    expect(uid).toBe("1000");
    expect(gid).toBe("1000");
    expect(groups!.split(" ")).toContain("50");
    expect(home).toBe("/home/app");
    expect(writable).toBe("writable");
    // As root, HOME is root's.
    expect(await ok(["--rm", "busybox", "sh", "-c", "id -u; echo $HOME"])).toBe("0\n/root\n");
  }, T);

  test("-u uid:gid and an unknown numeric uid", async () => {
    expect(await ok(["--rm", "-u", "1000:50", "busybox", "sh", "-c", "id -u; id -g"])).toBe("1000\n50\n");
    expect(await ok(["--rm", "-u", "4242", "busybox", "sh", "-c", "id -u; id -g; echo $HOME"])).toBe("4242\n0\n/\n");
    // -u overrides the image's User.
    expect(lines(await ok(["--rm", "-u", "0", "configured:1"]))[2]).toBe("0");
  }, T);

  test("-u with an unknown user name fails before the command starts", async () => {
    const before = containerIds();
    const r = await run(["--rm", "-u", "nosuchuser", "busybox", "sh", "-c", "echo should-not-run"]);
    expectOneLineError(r, /nosuchuser/);
    expect(r.stdout).toBe("");
    expect(containerIds()).toEqual(before);
  }, T);
});

describe("--name and --rm", () => {
  test("a name in use is refused", async () => {
    expect(await ok(["--name", "taken", "busybox", "true"])).toBe("");
    const r = await run(["--name", "taken", "busybox", "echo", "second"]);
    expectOneLineError(r, /already in use/);
    expect(r.stdout).toBe("");
    // With --rm the name is free again afterwards.
    expect(await ok(["--rm", "--name", "reusable", "busybox", "true"])).toBe("");
    expect(await ok(["--rm", "--name", "reusable", "busybox", "echo", "again"])).toBe("again\n");
  }, T);

  test("--rm removes the container's directory", async () => {
    const before = containerIds();
    expect(await ok(["--rm", "busybox", "sh", "-c", "echo data > /tmp/f; echo done"])).toBe("done\n");
    expect((await run(["--rm", "busybox", "sh", "-c", "exit 7"])).code).toBe(7);
    expect(containerIds()).toEqual(before);
  }, T);

  test("without --rm the container stays, recorded as exited with its exit code", async () => {
    const before = new Set(containerIds());
    expect((await run(["--name", "kept", "busybox", "sh", "-c", "exit 5"])).code).toBe(5);
    const created = containerIds().filter((id) => !before.has(id));
    expect(created).toHaveLength(1);
    const record = readContainer(created[0]!);
    expect(record.name).toBe("kept");
    expect(record.state.status).toBe("exited");
    expect(record.state.exitCode).toBe(5);
  }, T);
});

describe("stdin, volumes and terminals", () => {
  test("-i passes stdin through; without -i the container's stdin is empty", async () => {
    expect(await ok(["--rm", "-i", "busybox", "cat"], { stdin: "line one\nline two\n" })).toBe("line one\nline two\n");
    expect(await ok(["--rm", "busybox", "sh", "-c", "cat; echo eof"], { stdin: "ignored\n" })).toBe("eof\n");
    // It is the host's /dev/null (char device 1,3), opened before the pivot; never a pipe or a file.
    expect(await ok(["--rm", "busybox", "sh", "-c", "stat -L -c '%F %t,%T' /proc/self/fd/0"], { stdin: "x" })).toBe("character special file 1,3\n");
  }, T);

  test("-i streams: the container answers while stdin is still open", async () => {
    const proc = Bun.spawn([BINARY, "run", "--rm", "-i", "busybox", "sh", "-c", 'while read l; do echo "got $l"; done'], {
      env: ctx.sb.env, stdin: "pipe", stdout: "pipe", stderr: "pipe",
    });
    try {
      proc.stdin.write("ping\n");
      proc.stdin.flush();
      expect(await readUntil(proc.stdout, "got ping\n")).toBe("got ping\n");
      proc.stdin.end();
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }, T);

  test("-v HOST:CONTAINER is read-write, :ro is read-only", async () => {
    const host = join(ctx.base, "vol");
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, "from-host.txt"), "hello from host\n");
    const out = await ok(["--rm", "-v", `${host}:/data`, "busybox", "sh", "-c", "cat /data/from-host.txt; echo inside > /data/from-container.txt"]);
    expect(out).toBe("hello from host\n");
    expect(readFileSync(join(host, "from-container.txt"), "utf8")).toBe("inside\n");

    const r = await run(["--rm", "-v", `${host}:/data:ro`, "busybox", "sh", "-c", "cat /data/from-host.txt; echo x > /data/ro.txt"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("hello from host\n");
    expect(r.stderr).toContain("Read-only file system");
    expect(existsSync(join(host, "ro.txt"))).toBe(false);
  }, T);

  test("-t gives the container a terminal of its own", async () => {
    // script(1) puts minibox on a pty; the container gets its own /dev/pts/0 inside.
    const r = Bun.spawnSync(["script", "-qec", `${BINARY} run --rm -t busybox tty`, "/dev/null"], { env: ctx.sb.env, stdin: "ignore", timeout: 20_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString().replace(/\r/g, "")).toBe("/dev/pts/0\n");
    // Without -t there is no terminal.
    const plain = await run(["--rm", "busybox", "tty"]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe("not a tty\n");
  }, T);

  test("-it: the terminal has the host's size before the command starts (process.consoleSize)", async () => {
    // No polling inside: the init sets the size before execve, so the very first look must see it.
    for (let i = 0; i < 3; i++) {
      const cmd = `stty rows 33 cols 77; ${BINARY} run --rm -it busybox stty size`;
      const r = Bun.spawnSync(["script", "-qec", cmd, "/dev/null"], { env: ctx.sb.env, stdin: "ignore", timeout: 20_000 });
      expect(r.exitCode).toBe(0);
      expect(r.stdout.toString()).toContain("33 77\r\n");
    }
  }, T);
});
