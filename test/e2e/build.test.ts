// `minibox build` through the compiled binary, over the busybox test image: a multi-stage build with
// RUN, COPY --from, ENV/ARG/WORKDIR/USER/CMD and .dockerignore; the cache (same image id, no RUN run
// again); --no-cache; a tar context on stdin; and failures that leave nothing behind.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { buildImage, dockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Result, type Sandbox } from "./harness.ts";

// Builds start containers: generous per test, as CI machines get loaded (no test asserts a duration).
setDefaultTimeout(120_000);

let sb: Sandbox;
let base: string;
beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-build-");
  base = join(sb.root, "..", "work");
  mkdirSync(base, { recursive: true });
  const archive = join(base, "busybox.tar");
  writeFileSync(archive, dockerArchive(buildImage({ layers: 2 }))); // layer 2 adds /etc/motd, /opt/old.txt, /hello.txt
  const r = await sb.run(["load", "-i", archive]);
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
});
afterAll(() => sb.cleanup());

let contexts = 0;
function context(files: Record<string, string>): string {
  const dir = join(base, `ctx-${++contexts}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), body);
  }
  return dir;
}

async function ok(args: string[], opts?: Parameters<Sandbox["run"]>[1]): Promise<Result> {
  const r = await sb.run(args, { timeoutMs: 120_000, ...opts });
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** Containers the CLI launched, counted from MINIBOX_TRACE's launch lines. */
const launches = (r: Result) => r.stderr.split("\n").filter((l) => / launch: init spawned$/.test(l)).length;

function storeLeftovers(): { containers: string[]; tmp: string[]; mounts: string[] } {
  const list = (rel: string) => (existsSync(join(sb.root, rel)) ? readdirSync(join(sb.root, rel)) : []);
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(sb.root));
  return { containers: list("containers"), tmp: list("tmp"), mounts };
}

const MULTI = [
  "# syntax=docker/dockerfile:1",
  "ARG BASE=busybox",
  "FROM ${BASE} AS build",
  "ARG GREETING=hello",
  "WORKDIR /src",
  "COPY . .",
  "RUN echo \"$GREETING from $(pwd)\" > out.txt \\",
  " && ls -A /src | sort | tr '\\n' ' ' > /listing.txt \\",
  " && rm /etc/motd",
  "",
  "FROM busybox",
  "ENV APP=/app MODE=prod",
  "WORKDIR $APP",
  "COPY --from=build /src/out.txt /listing.txt ./",
  "COPY --chown=app:app --chmod=600 <<EOF note.txt",
  "mode=$MODE",
  "EOF",
  "RUN chown app /app && id -u app > /app/uid",
  "USER app",
  "CMD [\"sh\", \"-c\", \"cat out.txt listing.txt; echo; cat note.txt; id -un; pwd; test -e /etc/motd && echo motd || echo no-motd\"]",
  "",
].join("\n");

describe("minibox build", () => {
  let dir: string;
  let firstId: string;

  test("a multi-stage build runs and prints what it should", async () => {
    dir = context({ Dockerfile: MULTI, "app.txt": "app\n", "secret.key": "no\n", "logs/a.log": "x\n", ".dockerignore": "*.key\nlogs\n" });
    const r = await ok(["build", "-t", "demo:1", "--build-arg", "GREETING=hi", dir], { env: { MINIBOX_TRACE: "1" } });
    expect(r.stderr).toContain("naming to demo:1 done");
    expect(launches(r)).toBe(2); // one per RUN
    const id = /writing image (sha256:[0-9a-f]{64}) done/.exec(r.stderr)?.[1];
    expect(id).toBeDefined();
    firstId = id!;
    const run = await ok(["run", "--rm", "demo:1"]);
    // .dockerignore'd files never reached the build; the Dockerfile and .dockerignore did (as in Docker)
    expect(run.stdout).toBe("hi from /src\n.dockerignore Dockerfile app.txt out.txt \nmode=prod\napp\n/app\nmotd\n");
    const inspect = JSON.parse((await ok(["image", "inspect", "demo:1"])).stdout)[0];
    expect(inspect.Config.Env).toContain("APP=/app");
    expect(inspect.Config.User).toBe("app");
    expect(inspect.Config.WorkingDir).toBe("/app");
    expect(inspect.RootFS.Layers).toHaveLength(2 + 4); // busybox's 2 + WORKDIR (creates /app), COPY, COPY, RUN
  });

  test("file metadata: --chown/--chmod and the RUN's own change", async () => {
    const r = await ok(["run", "--rm", "demo:1", "sh", "-c", "stat -c '%a %U' note.txt; cat uid; stat -c %U /app"]);
    expect(r.stdout).toBe("600 app\n1000\napp\n");
  });

  test("a second build is fully cached: same image id, no RUN executed", async () => {
    const r = await ok(["build", "-t", "demo:1", "--build-arg", "GREETING=hi", dir], { env: { MINIBOX_TRACE: "1" } });
    expect(r.stderr).toContain(`writing image ${firstId} done`);
    expect(launches(r)).toBe(0);
    expect(r.stderr.split("\n").filter((l) => / CACHED$/.test(l)).length).toBeGreaterThanOrEqual(9);
  });

  test("a changed build arg rebuilds from the step that uses it", async () => {
    const r = await ok(["build", "-q", "--build-arg", "GREETING=bye", dir], { env: { MINIBOX_TRACE: "1" } });
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(r.stdout.trim()).not.toBe(firstId);
    expect(launches(r)).toBe(2);
    const out = await ok(["run", "--rm", r.stdout.trim(), "cat", "out.txt"]);
    expect(out.stdout).toBe("bye from /src\n");
  });

  test("--no-cache runs every step again", async () => {
    const iid = join(base, "iid");
    const r = await ok(["build", "--no-cache", "--iidfile", iid, "--build-arg", "GREETING=hi", dir], { env: { MINIBOX_TRACE: "1" } });
    expect(launches(r)).toBe(2);
    expect(r.stderr).not.toMatch(/ CACHED$/m);
    expect(readFileSync(iid, "utf8")).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  test("--target builds only the stages it needs; an unknown target fails", async () => {
    const r = await ok(["build", "--target", "build", "-t", "demo:build", "--build-arg", "GREETING=hi", dir]);
    expect(r.stderr).not.toContain("[stage-1");
    const out = await ok(["run", "--rm", "demo:build", "cat", "/src/out.txt"]);
    expect(out.stdout).toBe("hi from /src\n");
    const bad = await sb.run(["build", "--target", "nope", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("minibox: failed to reach build target nope in Dockerfile");
  });

  test("a tar context on stdin, ADD of a local tar, deletions across layers, -q", async () => {
    const inner = tarBytes([{ name: "pkg/", type: "dir" }, { name: "pkg/data.txt", body: "from tar\n", mode: 0o640, uid: 7, gid: 8 }]);
    const dockerfile = "FROM busybox\nADD files.tar /opt/\nRUN rm -r /opt/sub && rm /hello.txt\n"
      + "CMD [\"sh\", \"-c\", \"ls /opt; stat -c '%a %u:%g' /opt/pkg/data.txt; cat /opt/pkg/data.txt; ls /hello.txt 2>&1 || true\"]\n";
    const ctx = tarBytes([{ name: "Dockerfile", body: dockerfile }, { name: "files.tar", body: inner }]);
    const r = await ok(["build", "-q", "-t", "stdin:1", "-"], { stdin: ctx });
    expect(r.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const out = await ok(["run", "--rm", "stdin:1"]);
    expect(out.stdout).toBe("old.txt\npkg\n640 7:8\nfrom tar\nls: /hello.txt: No such file or directory\n");
  });
});

describe("layers from RUN", () => {
  test("a directory removed and recreated hides the base image's content (opaque dir); engine mount points stay out", async () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN rm -rf /opt && mkdir /opt && echo new > /opt/n\n" });
    const r = await ok(["build", "-q", "-t", "opaque:1", dir]);
    const out = await ok(["run", "--rm", "opaque:1", "sh", "-c", "ls -A /opt; cat /opt/n"]);
    expect(out.stdout).toBe("n\nnew\n");
    const diff = JSON.parse((await ok(["image", "inspect", r.stdout.trim()])).stdout)[0];
    expect(diff.RootFS.Layers).toHaveLength(3);
    const layer = join(sb.root, "layers", diff.RootFS.Layers[2].slice(7), "fs");
    // No /proc, /sys, /dev or /etc/resolv.conf stubs; /etc itself may be there, copied up (same metadata), empty.
    expect(readdirSync(layer).filter((n) => n !== "etc")).toEqual(["opt"]);
    if (existsSync(join(layer, "etc"))) expect(readdirSync(join(layer, "etc"))).toEqual([]);
  });

  test("RUNs that change nothing give the same (empty) layer twice: later RUNs, run and cp still work", async () => {
    // The same layer directory twice in an overlay's lower list is refused by the kernel (ELOOP).
    const dir = context({ Dockerfile: "FROM busybox\nRUN true\nRUN true\nRUN echo after > /after\n" });
    // SOURCE_DATE_EPOCH: the copied-up /etc gets the same mtime in both layers, whatever the clock says.
    const r = await ok(["build", "-q", "--network", "none", "-t", "dup:1", dir], { env: { SOURCE_DATE_EPOCH: "1700000000" } });
    const layers = JSON.parse((await ok(["image", "inspect", r.stdout.trim()])).stdout)[0].RootFS.Layers as string[];
    expect(layers[2]).toBe(layers[3]);
    expect((await ok(["run", "--rm", "dup:1", "cat", "/after"])).stdout).toBe("after\n");
    const id = (await ok(["create", "dup:1"])).stdout.trim();
    try {
      expect((await ok(["cp", `${id}:/after`, "-"])).stdout).toContain("after\n");
    } finally {
      await sb.run(["rm", "-f", id]);
    }
  });
});

describe("COPY --exclude and --parents", () => {
  test("excluded paths are left out; --parents keeps the source paths; both are in the cache key", async () => {
    const dir = context({
      Dockerfile: "FROM busybox\nCOPY --exclude=*.log --exclude=sub/skip src /ex/\nCOPY --parents a/b/one.txt a/./c/two.txt /par/\n",
      "src/keep.txt": "k\n", "src/x.log": "l\n", "src/sub/skip": "s\n", "src/sub/keep2": "k2\n",
      "a/b/one.txt": "1\n", "a/c/two.txt": "2\n",
    });
    await ok(["build", "-q", "--network", "none", "-t", "exparents:1", dir]);
    const out = await ok(["run", "--rm", "--network", "none", "exparents:1", "sh", "-c", "cd /ex && find . | sort; cd /par && find . -type f | sort"]);
    expect(out.stdout).toBe(".\n./keep.txt\n./sub\n./sub/keep2\n./a/b/one.txt\n./c/two.txt\n");
    writeFileSync(join(dir, "Dockerfile"), "FROM busybox\nCOPY --exclude=*.txt src /ex/\nCOPY --parents a/b/one.txt a/./c/two.txt /par/\n");
    await ok(["build", "-q", "--network", "none", "-t", "exparents:2", dir]);
    const again = await ok(["run", "--rm", "--network", "none", "exparents:2", "sh", "-c", "cd /ex && find . -type f | sort"]);
    expect(again.stdout).toBe("./sub/keep2\n./sub/skip\n./x.log\n");
  });
});

describe("ARG scoping and image config", () => {
  test("global ARGs reach a stage only when redeclared; platform ARGs after ARG; ENV wins; config fields", async () => {
    const dockerfile = [
      "ARG GLOBAL=g TAG=latest",
      "FROM busybox:${TAG}",
      "RUN echo \"global=[$GLOBAL]\" > /args",
      "ARG GLOBAL",
      "ARG TARGETARCH",
      "ARG LOCAL=l",
      "ENV LOCAL=env",
      "RUN echo \"global=[$GLOBAL] arch=[$TARGETARCH] local=[$LOCAL]\" >> /args",
      "EXPOSE 8080 53/udp",
      "VOLUME /data",
      "LABEL org.example.v=\"$GLOBAL\"",
      "STOPSIGNAL SIGINT",
      "HEALTHCHECK --interval=5s CMD true",
      "ENTRYPOINT [\"cat\"]",
      "CMD [\"/args\"]",
      "",
    ].join("\n");
    const dir = context({ Dockerfile: dockerfile });
    const r = await ok(["build", "-t", "args:1", "--build-arg", "GLOBAL=cli", "--build-arg", "UNUSED=1", "--label", "extra=yes", dir]);
    expect(r.stderr).toContain("[Warning] One or more build-args [UNUSED] were not consumed");
    const arch = process.arch === "x64" ? "amd64" : process.arch;
    expect((await ok(["run", "--rm", "args:1"])).stdout).toBe(`global=[]\nglobal=[cli] arch=[${arch}] local=[env]\n`);
    const c = JSON.parse((await ok(["image", "inspect", "args:1"])).stdout)[0].Config;
    expect(c.ExposedPorts).toEqual({ "8080/tcp": {}, "53/udp": {} });
    expect(c.Volumes).toEqual({ "/data": {} });
    expect(c.Labels).toEqual({ "org.example.v": "cli", extra: "yes" });
    expect(c.Entrypoint).toEqual(["cat"]);
    expect(c.Cmd).toEqual(["/args"]);
    const image = JSON.parse((await ok(["image", "inspect", "args:1"])).stdout)[0];
    const raw = image.ImageConfig ?? image;
    expect(JSON.stringify(raw)).toContain('"StopSignal":"SIGINT"');
    expect(JSON.stringify(raw)).toContain('"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000}');
  });
});

describe("ONBUILD and SHELL", () => {
  test("a base image's ONBUILD triggers run in the child build and are not inherited; SHELL changes RUN and CMD", async () => {
    const parent = context({ Dockerfile: "FROM busybox\nONBUILD COPY marker /marker\nONBUILD RUN echo triggered > /onbuild\n" });
    await ok(["build", "-t", "onbuild-base:1", parent]);
    const onBuild = JSON.parse((await ok(["image", "inspect", "onbuild-base:1"])).stdout)[0].Config.OnBuild;
    expect(onBuild).toEqual(["COPY marker /marker", "RUN echo triggered > /onbuild"]);
    const child = context({
      Dockerfile: "FROM onbuild-base:1\nSHELL [\"/bin/sh\", \"-ec\"]\nRUN echo \"$0\" > /shell\nCMD cat /marker /onbuild /shell\n",
      marker: "from the child's context\n",
    });
    await ok(["build", "-t", "onbuild-child:1", child]);
    expect((await ok(["run", "--rm", "onbuild-child:1"])).stdout).toBe("from the child's context\ntriggered\n/bin/sh\n");
    const config = JSON.parse((await ok(["image", "inspect", "onbuild-child:1"])).stdout)[0].Config;
    expect(config.OnBuild ?? null).toBeNull();
    expect(config.Cmd).toEqual(["/bin/sh", "-ec", "cat /marker /onbuild /shell"]);
  });
});

describe("--output", () => {
  const skopeo = Bun.which("skopeo");
  test.skipIf(!skopeo)("type=docker and type=oci archives that skopeo reads (skipped without skopeo)", async () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN echo out > /out\nCMD [\"cat\", \"/out\"]\n" });
    for (const [type, transport] of [["docker", "docker-archive"], ["oci", "oci-archive"]] as const) {
      const dest = join(base, `out-${type}.tar`);
      const r = await ok(["build", "-q", "-t", `out:${type}`, "--output", `type=${type},dest=${dest}`, dir]);
      const inspected = Bun.spawnSync([skopeo!, "inspect", "--config", `${transport}:${dest}`]);
      expect(inspected.exitCode).toBe(0);
      const config = JSON.parse(inspected.stdout.toString());
      expect(`sha256:${new Bun.CryptoHasher("sha256").update(Bun.spawnSync([skopeo!, "inspect", "--raw", "--config", `${transport}:${dest}`]).stdout).digest("hex")}`).toBe(r.stdout.trim());
      expect(config.config.Cmd).toEqual(["cat", "/out"]);
    }
    const bad = await sb.run(["build", "--output", "type=local,dest=x", dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("minibox: invalid --output: type=local,dest=x: only type=docker and type=oci are supported");
  });
});

describe("stages", () => {
  test("independent stages run at the same time (two RUN containers seen together)", async () => {
    const dir = context({
      Dockerfile: "FROM busybox AS a\nRUN sleep 4\nFROM busybox AS b\nRUN sleep 4\nFROM busybox\nCOPY --from=a /bin/busybox /a\nCOPY --from=b /bin/busybox /b\n",
    });
    const proc = Bun.spawn([join(import.meta.dir, "../../minibox"), "build", "-q", "--no-cache", dir], { env: sb.env, stdout: "pipe", stderr: "pipe" });
    let most = 0;
    const deadline = Date.now() + 60_000;
    while (proc.exitCode === null && Date.now() < deadline) {
      const ps = await sb.run(["ps", "-q"]);
      most = Math.max(most, ps.stdout.split("\n").filter(Boolean).length);
      if (most >= 2) break;
      await Bun.sleep(100); // polling interval, not synchronisation
    }
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    if (code !== 0) throw new Error(`build failed (${code}): ${stderr}`);
    expect(most).toBe(2);
  });
});

describe("build failures", () => {
  test("a parse error: one line with the line number, exit 1", async () => {
    const dir = context({ Dockerfile: "FROM busybox\n\n# comment\nRUNN echo\n" });
    const r = await sb.run(["build", "-t", "bad:parse", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual(["minibox: Dockerfile:4: dockerfile parse error on line 4: unknown instruction: RUNN"]);
  });

  test("a failing RUN: exit 1, the step shown, no image, container, mount or temp dir left", async () => {
    const before = storeLeftovers();
    const dir = context({ Dockerfile: "FROM busybox\nRUN echo written > /partial\nRUN echo about to fail && exit 3\nCMD [\"true\"]\n" });
    const r = await sb.run(["build", "-t", "bad:run", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("about to fail");
    expect(r.stderr).toContain('minibox: Dockerfile:3: RUN echo about to fail && exit 3: process "/bin/sh -c echo about to fail && exit 3" did not complete successfully: exit code: 3');
    expect((await sb.run(["image", "inspect", "bad:run"])).code).not.toBe(0);
    expect(storeLeftovers()).toEqual(before);
  });

  test("a RUN whose command cannot start, or whose USER does not exist: exit 1 with the step", async () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN [\"nope\"]\n" });
    const r = await sb.run(["build", "-q", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('minibox: Dockerfile:2: RUN ["nope"]: failed to start container: exec: "nope": executable file not found in $PATH');
    const user = context({ Dockerfile: "FROM busybox\nUSER ghost\nRUN true\n" });
    const r2 = await sb.run(["build", "-q", user]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("minibox: Dockerfile:3: RUN true: failed to start container: unable to find user ghost");
    expect((await sb.run(["ps", "-aq"])).stdout).toBe("");
  });

  test("a build killed with -9 during a RUN: the next build kills and removes the container it left", async () => {
    const slow = context({ Dockerfile: "FROM busybox\nRUN sleep 600\n" });
    const proc = Bun.spawn([join(import.meta.dir, "../../minibox"), "build", "-q", slow], { env: sb.env, stdout: "ignore", stderr: "ignore" });
    let running = "";
    const deadline = Date.now() + 60_000;
    while (running === "" && Date.now() < deadline) {
      running = (await sb.run(["ps", "-q"])).stdout.trim();
      if (running === "") await Bun.sleep(100); // polling interval
    }
    proc.kill("SIGKILL");
    await proc.exited;
    expect(running).not.toBe("");
    const next = await ok(["build", "-q", context({ Dockerfile: "FROM busybox\n" })]);
    expect(next.stderr).toMatch(/^removed build-[0-9a-f]{12}, left behind by a build that was killed$/m);
    expect((await sb.run(["ps", "-aq"])).stdout).toBe("");
  });

  test("COPY of paths outside the context is refused", async () => {
    const dir = context({ Dockerfile: "FROM busybox\nCOPY ../outside /x\n" });
    const r = await sb.run(["build", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("minibox: Dockerfile:2: COPY ../outside /x: forbidden path outside the build context: ../outside");
    const linked = context({ Dockerfile: "FROM busybox\nCOPY link /x\n" });
    symlinkSync(join(base, "busybox.tar"), join(linked, "link"));
    const r2 = await sb.run(["build", linked]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain("forbidden path outside the build context: link");
  });

  test("a missing or ignored context file, a cycle of stages", async () => {
    const dir = context({ Dockerfile: "FROM busybox\nCOPY secret.key /x/\n", "secret.key": "k", ".dockerignore": "*.key" });
    const r = await sb.run(["build", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"/secret.key": not found');
    const cycle = context({ Dockerfile: "FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n" });
    const r2 = await sb.run(["build", cycle]);
    expect(r2.code).toBe(1);
    expect(r2.stderr.trim()).toMatch(/^minibox: circular dependency detected on stage: [ab]$/);
  });
});

describe("builder prune", () => {
  test("empties the cache: the next build runs its RUN again; tagged images keep their layers", async () => {
    const dir = context({ Dockerfile: "FROM busybox\nRUN echo kept > /kept\nRUN echo more > /more\n" });
    await ok(["build", "-t", "pruned:1", dir]);
    // The first stage's RUN layer is in no image: only the cache refers to it.
    const cachedOnly = context({ Dockerfile: "FROM busybox AS a\nRUN echo only-in-cache > /c\nFROM busybox\nCOPY --from=a /c /c\n" });
    await ok(["build", "-t", "pruned:2", cachedOnly]);
    const pruned = await ok(["builder", "prune", "-f"]);
    expect(pruned.stdout).toMatch(/Total reclaimed space: /);
    expect(pruned.stdout).toContain("Deleted build cache objects:");
    expect((await ok(["run", "--rm", "pruned:1", "cat", "/kept", "/more"])).stdout).toBe("kept\nmore\n");
    expect((await ok(["run", "--rm", "pruned:2", "cat", "/c"])).stdout).toBe("only-in-cache\n");
    const again = await ok(["build", "-t", "pruned:1", dir], { env: { MINIBOX_TRACE: "1" } });
    expect(launches(again)).toBe(2);
    const bad = await sb.run(["builder", "nope"]);
    expect(bad.code).toBe(1);
  });
});
