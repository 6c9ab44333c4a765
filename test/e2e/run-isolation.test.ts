// `minibox run` through the compiled binary, as root on the real kernel: namespaces, the container's root
// filesystem (overlay, read-only, /dev, /etc files), fd hygiene and that no mount ever reaches the host.
import { describe, expect, test } from "bun:test";
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY } from "./harness.ts";
import { lines, readUntil, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-run-iso-");
const { run, ok, containerIds, hostMountsInSandbox } = ctx;

describe("namespaces", () => {
  test("the command is PID 1 and sees only the container's processes", async () => {
    expect(await ok(["--rm", "busybox", "sh", "-c", "echo $$"])).toBe("1\n");
    // "; true" keeps sh from exec'ing ps in its place.
    const ps = lines(await ok(["--rm", "busybox", "sh", "-c", "ps -o pid,comm; true"]));
    expect(ps[0]).toMatch(/PID\s+COMMAND/);
    // sh (PID 1) and the ps it started; nothing of the host.
    const procs = ps.slice(1).map((l) => l.trim().split(/\s+/));
    expect(procs).toHaveLength(2);
    expect(procs[0]).toEqual(["1", "sh"]);
    expect(procs[1]![1]).toBe("ps");
  }, T);

  test("hostname is the id's first 12 characters; -h and --hostname set it", async () => {
    const before = new Set(containerIds());
    const name = (await ok(["--name", "hostname-default", "busybox", "hostname"])).trim();
    const created = containerIds().filter((id) => !before.has(id));
    expect(created).toHaveLength(1);
    expect(name).toMatch(/^[0-9a-f]{12}$/);
    expect(name).toBe(created[0]!.slice(0, 12));
    expect(await ok(["--rm", "-h", "shorty", "busybox", "hostname"])).toBe("shorty\n");
    expect(await ok(["--rm", "--hostname", "long.example", "busybox", "cat", "/etc/hostname"])).toBe("long.example\n");
  }, T);

  test("--network none: the network namespace has only lo, and it is up", async () => {
    const links = lines(await ok(["--rm", "--network", "none", "busybox", "ip", "-o", "link"]));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <[^>]*\bUP\b[^>]*>/);
  }, T);

  test("pid, net, uts, ipc, mnt and cgroup namespaces differ from the host's", async () => {
    const kinds = ["pid", "net", "uts", "ipc", "mnt", "cgroup"];
    const script = kinds.map((k) => `readlink /proc/self/ns/${k}`).join("; ");
    const inside = lines(await ok(["--rm", "busybox", "sh", "-c", script]));
    expect(inside).toHaveLength(kinds.length);
    kinds.forEach((kind, i) => {
      const host = readlinkSync(`/proc/self/ns/${kind}`);
      expect(inside[i]).toMatch(new RegExp(`^${kind}:\\[\\d+\\]$`));
      expect(inside[i]).not.toBe(host);
    });
  }, T);

  test("mounts of a running container are not in the host's mount table", async () => {
    // The container cannot mount by itself (no CAP_SYS_ADMIN), so use the ones minibox makes for it.
    const proc = Bun.spawn([BINARY, "run", "--rm", "-i", "--tmpfs", "/marker-tmpfs", "busybox", "sh", "-c", "grep -c marker-tmpfs /proc/mounts; echo ready; cat"], {
      env: ctx.sb.env, stdin: "pipe", stdout: "pipe", stderr: "pipe",
    });
    try {
      const out = await readUntil(proc.stdout, "ready");
      expect(out).toBe("1\nready\n"); // mounted inside...
      const host = readFileSync("/proc/self/mountinfo", "utf8");
      expect(host).not.toContain("marker-tmpfs"); // ...but not here
      expect(hostMountsInSandbox()).toEqual([]); // nor its overlay, /proc, /dev, binds
      proc.stdin.end();
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }, T);
});

describe("root filesystem", () => {
  test("/ is an overlay", async () => {
    const mounts = lines(await ok(["--rm", "busybox", "cat", "/proc/mounts"]));
    expect(mounts[0]).toMatch(/^overlay \/ overlay /);
  }, T);

  test("a write in one container is invisible to the next one of the same image", async () => {
    expect(await ok(["--rm", "busybox", "sh", "-c", "echo a > /bin/written-by-a && cat /bin/written-by-a"])).toBe("a\n");
    const r = await run(["--rm", "busybox", "sh", "-c", "test -e /bin/written-by-a && echo present || echo absent"]);
    expect(r.stdout).toBe("absent\n");
  }, T);

  test("the image's layer directories are not modified by a container", async () => {
    const layers = join(ctx.sb.root, "layers");
    const snapshot = (): string[] => {
      const out: string[] = [];
      const walk = (dir: string): void => {
        for (const name of readdirSync(dir).sort()) {
          const p = join(dir, name);
          const st = lstatSync(p);
          out.push(`${p} ${st.mode} ${st.size} ${st.mtimeMs} ${st.nlink}`);
          if (st.isDirectory()) walk(p);
        }
      };
      walk(layers);
      return out;
    };
    const before = snapshot();
    expect(before.length).toBeGreaterThan(100); // busybox and its applet links
    const beforeIds = new Set(containerIds());
    await ok(["busybox", "sh", "-c", "echo new > /bin/new-file && echo more >> /etc/passwd && rm /bin/ls && mkdir /bin/newdir"]);
    expect(snapshot()).toEqual(before);
    // The writes went to the container's own upper dir instead.
    const [id] = containerIds().filter((c) => !beforeIds.has(c));
    const upper = join(ctx.sb.root, "containers", id!, "upper");
    expect(readFileSync(join(upper, "bin/new-file"), "utf8")).toBe("new\n");
    expect(readFileSync(join(upper, "etc/passwd"), "utf8")).toEndWith("more\n");
    expect(lstatSync(join(upper, "bin/ls")).isCharacterDevice()).toBe(true); // overlay whiteout
  }, T);

  test("--read-only: / refuses writes, a --tmpfs stays writable", async () => {
    const r = await run(["--rm", "--read-only", "--tmpfs", "/scratch", "busybox", "sh", "-c",
      "touch /x; echo root=$?; touch /scratch/y && echo scratch=$?; grep -c ' /scratch tmpfs ' /proc/mounts"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("root=1\nscratch=0\n1\n");
    expect(r.stderr).toContain("Read-only file system");
    // Without --read-only the same write works.
    expect(await ok(["--rm", "busybox", "sh", "-c", "touch /x && echo ok"])).toBe("ok\n");
  }, T);

  test("/proc, /sys (ro), /dev (tmpfs), /dev/pts, /dev/shm and /dev/mqueue are mounted", async () => {
    const table = new Map<string, { type: string; options: string[] }>();
    for (const line of lines(await ok(["--rm", "busybox", "cat", "/proc/mounts"]))) {
      const [, target, type, options] = line.split(" ");
      table.set(target!, { type: type!, options: options!.split(",") });
    }
    expect(table.get("/proc")?.type).toBe("proc");
    expect(table.get("/sys")?.type).toBe("sysfs");
    expect(table.get("/sys")?.options).toContain("ro");
    expect(table.get("/dev")?.type).toBe("tmpfs");
    expect(table.get("/dev/pts")?.type).toBe("devpts");
    expect(table.get("/dev/shm")?.type).toBe("tmpfs");
    expect(table.get("/dev/mqueue")?.type).toBe("mqueue");
    const r = await run(["--rm", "busybox", "touch", "/sys/x"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Read-only file system");
  }, T);

  test("/dev has the standard devices and links, and they work", async () => {
    const script = [
      "for d in null zero full random urandom tty ptmx; do test -c /dev/$d && echo c:$d; done",
      "for l in fd stdin stdout stderr; do echo $l=$(readlink /dev/$l); done",
      "echo x > /dev/null && echo null-ok",
      "head -c 5 /dev/zero | wc -c",
      "head -c 7 /dev/urandom | wc -c",
      "echo x > /dev/full || echo full-fails",
    ].join("; ");
    const out = await ok(["--rm", "busybox", "sh", "-c", script]);
    expect(lines(out)).toEqual([
      "c:null", "c:zero", "c:full", "c:random", "c:urandom", "c:tty", "c:ptmx",
      "fd=/proc/self/fd", "stdin=/proc/self/fd/0", "stdout=/proc/self/fd/1", "stderr=/proc/self/fd/2",
      "null-ok", "5", "7", "full-fails",
    ]);
  }, T);

  test("/etc/hostname, /etc/hosts and /etc/resolv.conf are the container's", async () => {
    const out = await ok(["--rm", "-h", "etc-test", "busybox", "sh", "-c",
      "cat /etc/hostname; grep -c localhost /etc/hosts; test -f /etc/resolv.conf && echo resolv"]);
    const [hostname, localhostLines, resolv] = lines(out);
    expect(hostname).toBe("etc-test"); // the image's own /etc/hostname says "busybox"
    expect(Number(localhostLines)).toBeGreaterThanOrEqual(1);
    expect(resolv).toBe("resolv");
  }, T);
});

describe("fd hygiene (CVE-2024-21626)", () => {
  test("the command gets only fds 0, 1 and 2", async () => {
    const out = await ok(["--rm", "busybox", "sh", "-c", "ls /proc/1/fd; echo --; ls /proc/self/fd"]);
    const [shell, ls] = out.split("--\n") as [string, string];
    expect(lines(shell)).toEqual(["0", "1", "2"]);
    expect(lines(ls)).toEqual(["0", "1", "2", "3"]); // 3: the directory ls itself is reading
  }, T);

  test("an fd open in the minibox process does not reach the container", async () => {
    const secret = join(ctx.base, "host-secret.txt");
    writeFileSync(secret, "host secret\n");
    const fd = openSync(secret, "r");
    try {
      // ls runs as a child of PID 1, so the listing of /proc/1/fd has none of ls's own fds.
      const proc = Bun.spawn([BINARY, "run", "--rm", "busybox", "sh", "-c", "ls -l /proc/1/fd; cat /proc/1/fd/3; true"], {
        env: ctx.sb.env, stdio: ["ignore", "pipe", "pipe", fd],
      });
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect(code).toBe(0);
      expect(out).not.toContain("host-secret");
      expect(out).not.toContain("host secret");
      // "lr-x------ 1 root root 64 <date> 0 -> /null": the fd number is the third field from the end.
      const fds = lines(out).slice(1).map((l) => l.trim().split(/\s+/).at(-3));
      expect(fds).toEqual(["0", "1", "2"]);
      expect(err).toContain("/proc/1/fd/3"); // cat: can't open ... : No such file or directory
    } finally {
      closeSync(fd);
    }
  }, T);

  test("the process's cwd is / or the working directory, inside the container", async () => {
    expect(await ok(["--rm", "busybox", "readlink", "/proc/1/cwd"])).toBe("/\n");
    expect(await ok(["--rm", "-w", "/tmp", "busybox", "readlink", "/proc/1/cwd"])).toBe("/tmp\n");
  }, T);
});
