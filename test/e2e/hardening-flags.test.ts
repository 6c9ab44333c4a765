// The hardening flags through the compiled binary, as root on the real kernel: capabilities, privileged,
// devices and device cgroup rules, sysctls, /dev/shm size, extra groups, host and joined namespaces, and
// how inspect shows them. Bad input: one line, exit 125, no container left behind.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-hardening-");
const { run, ok } = ctx;

const capEff = (status: string) => /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
const hostCapBnd = () => /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1];

/** Runs `body` with a detached container `name` running sleep, and removes it whatever happens. */
async function withRunning(name: string, flags: string[], body: () => Promise<void>): Promise<void> {
  await ok(["-d", "--name", name, ...flags, "busybox", "sh", "-c", "sleep 1000; true"]);
  try {
    await body();
  } finally {
    await ctx.sb.run(["rm", "-f", name]);
  }
}

/** Bad input must not leave a container record behind. */
async function refused(args: string[], message: RegExp): Promise<void> {
  const before = ctx.containerIds().length;
  const r = await run(["--rm", ...args, "busybox", "true"]);
  expect([args.join(" "), r.code]).toEqual([args.join(" "), 125]);
  expect(lines(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(ctx.containerIds().length).toBe(before);
}

describe("capabilities", () => {
  test("CapEff: default, --cap-drop ALL, --cap-add NET_ADMIN, --privileged", async () => {
    const eff = async (flags: string[]) => capEff(await ok(["--rm", ...flags, "busybox", "cat", "/proc/self/status"]));
    expect(await eff([])).toBe("00000000a80425fb");
    expect(await eff(["--cap-drop", "ALL"])).toBe("0000000000000000");
    expect(await eff(["--cap-add", "NET_ADMIN"])).toBe("00000000a80435fb");
    expect(await eff(["--cap-drop", "all", "--cap-add", "cap_kill"])).toBe("0000000000000020");
    expect(await eff(["--privileged"])).toBe(hostCapBnd());
  }, T);

  test("--cap-drop chown: chown then fails", async () => {
    expect(await ok(["--rm", "busybox", "sh", "-c", "touch /tmp/f && chown 1000 /tmp/f && echo chowned"])).toBe("chowned\n");
    const r = await run(["--rm", "--cap-drop", "chown", "busybox", "sh", "-c", "touch /tmp/f && chown 1000 /tmp/f"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
  }, T);

  test("an unknown capability: one line, 125, nothing created", async () => {
    await refused(["--cap-add", "NET_FLY"], /unknown capability: "CAP_NET_FLY"/);
  }, T);

  test("exec --privileged gets every capability; a plain exec the container's", async () => {
    await withRunning("caps-exec", [], async () => {
      expect(capEff((await ctx.sb.run(["exec", "caps-exec", "cat", "/proc/self/status"])).stdout)).toBe("00000000a80425fb");
      expect(capEff((await ctx.sb.run(["exec", "--privileged", "caps-exec", "cat", "/proc/self/status"])).stdout)).toBe(hostCapBnd());
      expect(capEff((await ctx.sb.run(["exec", "--cap-drop", "ALL", "caps-exec", "cat", "/proc/self/status"])).stdout)).toBe("0000000000000000");
    });
  }, T);
});

describe("--privileged", () => {
  test("host devices are visible, /sys is writable, /proc/keys is not masked, no seccomp", async () => {
    const block = readdirSync("/dev").find((n) => { try { return statSync(`/dev/${n}`).isBlockDevice(); } catch { return false; } });
    const script = "ls /dev; echo ---; grep -E ' /sys | /proc/keys ' /proc/self/mountinfo; echo ---; grep Seccomp: /proc/self/status";
    const [devs, mounts, seccomp] = (await ok(["--rm", "--privileged", "busybox", "sh", "-c", script])).split("---\n");
    if (block) expect(lines(devs!)).toContain(block);
    if (existsSync("/dev/loop-control")) {
      expect(await ok(["--rm", "--privileged", "busybox", "sh", "-c", ": < /dev/loop-control && echo opened"])).toBe("opened\n");
    }
    else console.warn("skipped the block-device check: the host has no block device in /dev");
    expect(mounts).toMatch(/ \/sys rw,/);
    expect(mounts).not.toMatch(/\/proc\/keys/);
    expect(seccomp).toMatch(/Seccomp:\s+0/);
    // And without --privileged: /sys read-only, /proc/keys masked, no host block device.
    const [devs2, mounts2] = (await ok(["--rm", "busybox", "sh", "-c", script])).split("---\n");
    expect(mounts2).toMatch(/ \/sys ro,/);
    expect(mounts2).toMatch(/\/proc\/keys/);
    if (block) expect(lines(devs2!)).not.toContain(block);
  }, T);
});

describe("devices", () => {
  test("--device /dev/null:/dev/mynull: the node is there and takes writes", async () => {
    const out = await ok(["--rm", "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c", "ls -l /dev/mynull && echo hi > /dev/mynull && echo wrote"]);
    expect(out).toMatch(/^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 .*\/dev\/mynull\nwrote\n$/);
  }, T);

  // (/dev/null is allowed rwm by Docker's defaults anyway; fuse is not.)
  test("--device with read-only permissions: opening for writing is refused by the device cgroup", async () => {
    if (!existsSync("/dev/fuse")) return console.warn("skipped: the host has no /dev/fuse");
    const r = await run(["--rm", "--device", "/dev/fuse:/dev/rofuse:r", "busybox", "sh", "-c", ": < /dev/rofuse && echo read; : > /dev/rofuse"]);
    expect(r.stdout).toBe("read\n");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
  }, T);

  test("--device /dev/nosuch: one line, 125, nothing created", async () => {
    await refused(["--device", "/dev/nosuch"], /error gathering device information while adding custom device "\/dev\/nosuch": no such file or directory/);
  }, T);

  test("--device-cgroup-rule allows mknod and open of a node that is otherwise denied", async () => {
    if (!existsSync("/dev/fuse")) return console.warn("skipped: the host has no /dev/fuse (10:229) to open");
    const script = "mknod /dev/f c 10 229 && : < /dev/f && echo opened";
    const denied = await run(["--rm", "busybox", "sh", "-c", script]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/Operation not permitted/);
    expect(await ok(["--rm", "--device-cgroup-rule", "c 10:229 rwm", "busybox", "sh", "-c", script])).toBe("opened\n");
  }, T);

  test("a bad cgroup rule: one line, 125, nothing created", async () => {
    await refused(["--device-cgroup-rule", "c 1:3 rwx"], /invalid device cgroup format 'c 1:3 rwx'/);
  }, T);
});

describe("--sysctl", () => {
  test("net.ipv4.ip_forward=1 is visible inside, and the host's value is untouched", async () => {
    const host = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
    expect(await ok(["--rm", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "cat", "/proc/sys/net/ipv4/ip_forward"])).toBe("1\n");
    expect(await ok(["--rm", "--sysctl", "kernel.shmmni=1234", "busybox", "cat", "/proc/sys/kernel/shmmni"])).toBe("1234\n");
    expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8")).toBe(host);
    expect(readFileSync("/proc/sys/kernel/shmmni", "utf8")).not.toBe("1234\n");
  }, T);

  test("a sysctl outside the namespaced set, or in the host's namespace: one line, 125, nothing created", async () => {
    await refused(["--sysctl", "kernel.core_pattern=x"], /sysctl 'kernel.core_pattern=x' is not whitelisted/);
    await refused(["--ipc", "host", "--sysctl", "kernel.shmmax=1"], /not allowed in the hosts ipc namespace/);
  }, T);
});

describe("--shm-size and --group-add", () => {
  test("--shm-size 1m shows in df and mountinfo; the default is 64m", async () => {
    const out = await ok(["--rm", "--shm-size", "1m", "busybox", "sh", "-c", "df -k /dev/shm; grep ' /dev/shm ' /proc/self/mountinfo"]);
    expect(out).toMatch(/\s1024\s+0\s+1024\s+0% \/dev\/shm/);
    expect(out).toMatch(/size=1024k/);
    expect(await ok(["--rm", "busybox", "grep", " /dev/shm ", "/proc/self/mountinfo"])).toMatch(/size=65536k/);
  }, T);

  test("--group-add: a name from the container's /etc/group and a number, for run and exec", async () => {
    expect(await ok(["--rm", "--group-add", "staff", "--group-add", "1234", "busybox", "id", "-G"])).toBe("0 50 1234\n");
    await withRunning("groups-exec", ["--group-add", "staff"], async () => {
      const r = await ctx.sb.run(["exec", "groups-exec", "id", "-G"]);
      expect([r.code, r.stdout]).toEqual([0, "0 50\n"]);
    });
    const r = await run(["--rm", "--group-add", "nosuchgroup", "busybox", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/Unable to find group nosuchgroup/);
  }, T);
});

describe("namespaces", () => {
  const hostNs = (ns: string) => readlinkSync(`/proc/self/ns/${ns}`);
  const nsOf = async (flags: string[], ns: string) => (await ok(["--rm", ...flags, "busybox", "readlink", `/proc/self/ns/${ns}`])).trim();

  test("--pid host sees the host's pid 1 and namespace", async () => {
    const out = await ok(["--rm", "--pid", "host", "busybox", "sh", "-c", "cat /proc/1/comm; readlink /proc/self/ns/pid"]);
    expect(out).toBe(`${readFileSync("/proc/1/comm", "utf8")}${hostNs("pid")}\n`);
    expect(await nsOf([], "pid")).not.toBe(hostNs("pid"));
  }, T);

  test("--ipc host and --uts host share the host's namespaces; the hostname is the host's", async () => {
    expect(await nsOf(["--ipc", "host"], "ipc")).toBe(hostNs("ipc"));
    expect(await nsOf(["--uts", "host"], "uts")).toBe(hostNs("uts"));
    const before = readFileSync("/proc/sys/kernel/hostname", "utf8");
    expect(await ok(["--rm", "--uts", "host", "busybox", "hostname"])).toBe(before);
    expect(readFileSync("/proc/sys/kernel/hostname", "utf8")).toBe(before); // the init never renamed the host
    expect(await nsOf([], "ipc")).not.toBe(hostNs("ipc"));
  }, T);

  test("--ipc none: a private IPC namespace without /dev/shm", async () => {
    const out = await ok(["--rm", "--ipc", "none", "busybox", "sh", "-c", "readlink /proc/self/ns/ipc; test -e /dev/shm && echo has-shm; true"]);
    expect(out).not.toMatch(/has-shm/);
    expect(out.trim()).not.toBe(hostNs("ipc"));
  }, T);

  test("--uts host with --hostname: one line, 125, nothing created", async () => {
    await refused(["--uts", "host", "--hostname", "x"], /conflicting options: hostname and the UTS mode/);
  }, T);

  test("--pid container:X sees X's processes; --ipc container:X needs a shareable X", async () => {
    await withRunning("pid-donor", ["--ipc", "shareable"], async () => {
      const out = await ok(["--rm", "--pid", "container:pid-donor", "busybox", "ps", "-o", "pid,args"]);
      expect(out).toMatch(/^\s*1 sh -c sleep 1000; true$/m);
      const donorIpc = (await ctx.sb.run(["exec", "pid-donor", "readlink", "/proc/self/ns/ipc"])).stdout.trim();
      expect(donorIpc).toMatch(/^ipc:\[\d+\]$/);
      expect(await nsOf(["--ipc", "container:pid-donor"], "ipc")).toBe(donorIpc);
    });
    await withRunning("private-donor", [], async () => {
      const r = await run(["--rm", "--ipc", "container:private-donor", "busybox", "true"]);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/non-shareable IPC/);
    });
  }, T);

  test("--pid container:nosuch: one line, 125, nothing created", async () => {
    await refused(["--pid", "container:nosuch"], /No such container: nosuch/);
  }, T);
});

describe("inspect", () => {
  test("HostConfig shows the flags with Docker's key names, and Docker's defaults without them", async () => {
    await ok(["--name", "hc-flags", "--cap-add", "net_admin", "--cap-drop", "CHOWN", "--device", "/dev/null:/dev/x:rw",
      "--device-cgroup-rule", "c 10:229 rwm", "--sysctl", "kernel.shmmax=100", "--group-add", "staff", "--shm-size", "2m",
      "--pid", "host", "--ipc", "shareable", "--uts", "host", "busybox", "true"]);
    await ok(["--name", "hc-default", "busybox", "true"]);
    try {
      const r = await ctx.sb.run(["inspect", "hc-flags", "hc-default"]);
      expect(r.code).toBe(0);
      const [flags, plain] = (JSON.parse(r.stdout) as { HostConfig: Record<string, unknown> }[]).map((c) => c.HostConfig);
      expect(flags).toMatchObject({
        CapAdd: ["CAP_NET_ADMIN"], CapDrop: ["CAP_CHOWN"], Privileged: false,
        Devices: [{ PathOnHost: "/dev/null", PathInContainer: "/dev/x", CgroupPermissions: "rw" }],
        DeviceCgroupRules: ["c 10:229 rwm"], Sysctls: { "kernel.shmmax": "100" }, GroupAdd: ["staff"], ShmSize: 2097152,
        PidMode: "host", IpcMode: "shareable", UTSMode: "host",
      });
      expect(plain).toMatchObject({
        CapAdd: null, CapDrop: null, Privileged: false, Devices: [], DeviceCgroupRules: null, GroupAdd: null,
        ShmSize: 67108864, PidMode: "", IpcMode: "private", UTSMode: "",
      });
      expect(plain).not.toHaveProperty("Sysctls"); // Docker omits it when empty
    } finally {
      await ctx.sb.run(["rm", "-f", "hc-flags", "hc-default"]);
    }
  }, T);
});
