// The init's root-filesystem code against a recording double of the kernel (fake-init-syscalls.ts): the
// exact order of mounts, that every mount is attached onto an fd resolved inside the root, that masks use
// the host's /dev/null opened before anything else, and that bad targets are refused before any mount.
import { describe, expect, test } from "bun:test";
import { buildRoot } from "../../src/init/rootfs.ts";
import { RootfsError } from "../../src/init/root-context.ts";
import { RESOLVE } from "../../src/sys/at.ts";
import type { Mount, Spec } from "../../src/oci/spec.ts";
import { FakeInitSyscalls, type FakeOptions } from "./fake-init-syscalls.ts";

const ROOT = "/bundle/rootfs";
const IN_ROOT = RESOLVE.IN_ROOT | RESOLVE.NO_MAGICLINKS;

function spec(mounts: Mount[], extra: Partial<Spec["linux"]> = {}): Spec {
  return {
    ociVersion: "1.0.2",
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ["sh"], env: [], cwd: "/" },
    root: { path: ROOT },
    mounts,
    linux: { namespaces: [], ...extra },
  } as unknown as Spec;
}

const PROC: Mount = { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] };
const DEV: Mount = { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] };
const VOLUME: Mount = { destination: "/data/sub", type: "bind", source: "/srv/data", options: ["rbind", "rprivate", "ro"] };

function fake(tree: FakeOptions["tree"], more: Partial<FakeOptions> = {}): FakeInitSyscalls {
  return new FakeInitSyscalls({ rootPath: ROOT, tree, hostDirs: ["/srv/data"], ...more });
}

describe("buildRoot's sequence", () => {
  test("mounts, /dev, masks and read-only paths, all through fds", () => {
    const sys = fake({ "/proc": "dir", "/dev": "dir", "/etc": "dir", "/proc/keys": "file", "/proc/acpi": "dir", "/proc/sys": "dir" });
    buildRoot(spec([PROC, DEV, VOLUME], { maskedPaths: ["/proc/keys", "/proc/acpi", "/proc/absent"], readonlyPaths: ["/proc/sys"] }), sys);
    const mountCalls = sys.log.filter((l) => /^(mount|fsMount|moveMount|openTreeClone|mountSetattr|openat host)/.test(l));
    expect(mountCalls).toEqual([
      "mount - / - 44000",
      "openat host /dev/null", // before anything of the container exists
      "mount /bundle/rootfs /bundle/rootfs - 5000", // a plain bundle: its own path bound (minibox's, not the image's)
      "openat host /bundle/rootfs",
      "fsMount proc proc \"\" attr=e",
      "moveMount mnt:proc -> /proc",
      "fsMount tmpfs tmpfs \"mode=755,size=65536k\" attr=22",
      "moveMount mnt:tmpfs -> /dev",
      "openat host /srv/data",
      "openTreeClone host:/srv/data recursive",
      "mountSetattr tree:host:/srv/data set=1 prop=0",
      "moveMount tree:host:/srv/data -> /data/sub",
      "mountSetattr tree:host:/srv/data set=0 prop=40000 recursive",
      "openTreeClone host:/dev/null",
      "moveMount tree:host:/dev/null -> /proc/keys",
      "fsMount tmpfs tmpfs \"size=0\" attr=1",
      "moveMount mnt:tmpfs -> /proc/acpi",
      "openTreeClone /proc/sys recursive",
      "mountSetattr tree:/proc/sys set=f prop=0 recursive",
      "moveMount tree:/proc/sys -> /proc/sys",
    ]);
    // Every fd was closed again.
    expect(sys.openFds()).toEqual([]);
  });

  test("/dev is populated through the fd of the fresh, still detached tmpfs, before it is attached", () => {
    const sys = fake({ "/dev": "dir" });
    buildRoot(spec([DEV]), sys);
    const start = sys.log.indexOf("fsMount tmpfs tmpfs \"mode=755,size=65536k\" attr=22");
    const attach = sys.log.indexOf("moveMount mnt:tmpfs -> /dev");
    const between = sys.log.slice(start + 1, attach);
    expect(between).toContain("mknodat mnt:tmpfs null 1:3");
    expect(between).toContain("fchownat mnt:tmpfs null 0:0");
    expect(between).toContain("symlinkat mnt:tmpfs ptmx -> pts/ptmx");
    expect(between).toContain("openat mnt:tmpfs console create");
    expect(between[0]).toBe("umask 0");
    expect(between.at(-1)).toBe("umask 22");
    expect(between.filter((l) => l.startsWith("mknodat")).length).toBe(6);
  });

  test("targets are resolved by openat2 RESOLVE_IN_ROOT from the root fd; missing ones made with mkdirat", () => {
    const sys = fake({ "/proc": "dir" });
    buildRoot(spec([VOLUME]), sys);
    expect(sys.log).toContain(`openat2 root data/sub resolve=${IN_ROOT}`);
    expect(sys.log).toContain("mkdirat / data");
    expect(sys.log).toContain("mkdirat /data sub");
    // /proc and /sys refuse links anywhere on the way.
    const p = fake({ "/proc": "dir" });
    buildRoot(spec([PROC]), p);
    expect(p.log).toContain(`openat2 root proc resolve=${IN_ROOT | RESOLVE.NO_SYMLINKS}`);
  });

  test("without openat2 (ENOSYS) the walk follows an image's /dev link inside the root", () => {
    const sys = fake({ "/dev": "link:/tmp/canary", "/tmp": "dir" }, { openat2Enosys: true });
    buildRoot(spec([DEV]), sys);
    expect(sys.log).toContain("mkdirat /tmp canary");
    expect(sys.log).toContain("moveMount mnt:tmpfs -> /tmp/canary");
    expect(sys.openFds()).toEqual([]);
  });

  test("a /proc that is a symlink is refused before anything is mounted on it", () => {
    const sys = fake({ "/proc": "link:/tmp", "/tmp": "dir" }, { openat2Enosys: true });
    expect(() => buildRoot(spec([PROC]), sys)).toThrow(new RootfsError("rootfs /proc is a symlink; refusing to mount over it"));
    expect(sys.log.filter((l) => l.startsWith("moveMount") || l.startsWith("fsMount"))).toEqual([]);
    expect(sys.openFds()).toEqual([]);
  });

  test("a target that resolves into the container's procfs is refused, nothing mounted on it", () => {
    const sys = fake({ "/proc": "dir", "/proc/sys": "dir" });
    const into: Mount = { destination: "/proc/sys", type: "tmpfs", source: "tmpfs", options: [] };
    expect(() => buildRoot(spec([PROC, into]), sys)).toThrow("mount destination /proc/sys resolves into /proc");
    expect(sys.log.filter((l) => l.startsWith("moveMount"))).toEqual(["moveMount mnt:proc -> /proc"]);
    expect(sys.openFds()).toEqual([]);
  });

  test("a file bind onto a directory, and a target that is the root itself, are refused", () => {
    const file: Mount = { destination: "/etc", type: "bind", source: "/host/file", options: ["rbind"] };
    expect(() => buildRoot(spec([file]), fake({ "/etc": "dir" }))).toThrow("is a directory, but the source is a file");
    const toRoot: Mount = { destination: "/x/..", type: "tmpfs", source: "tmpfs", options: [] };
    expect(() => buildRoot(spec([toRoot]), fake({ "/x": "dir" }, { openat2Enosys: true }))).toThrow("resolves to the container's root");
  });

  test("a racer swapping a just-made directory for a link to the host: the walk follows it inside the root", () => {
    // The created /data is replaced by a link to a host-looking path before the walk opens it.
    let swapped = false;
    const sys = fake({ "/host": "dir" }, {
      openat2Enosys: true,
      afterMkdirat: (path, f) => {
        if (path === "/data" && !swapped) { swapped = true; f.replace("/data", "link:/host"); }
      },
    });
    buildRoot(spec([VOLUME]), sys);
    expect(swapped).toBe(true);
    // Opened without following, seen to be a link, resolved from the root fd: /host/sub inside the root.
    expect(sys.log).toContain("mkdirat /host sub");
    expect(sys.log).toContain("moveMount tree:host:/srv/data -> /host/sub");
    expect(sys.openFds()).toEqual([]);
  });
});
