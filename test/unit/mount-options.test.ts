import { describe, expect, test } from "bun:test";
import { parseMountOptions } from "../../src/oci/mount-options.ts";

// Values from <linux/mount.h>, written out so a wrong constant in sys/mount.ts fails here.
const RDONLY = 0x1, NOSUID = 0x2, NODEV = 0x4, NOEXEC = 0x8, NOATIME = 0x400, BIND = 0x1000, REC = 0x4000;
const UNBINDABLE = 0x20000, PRIVATE = 0x40000, SLAVE = 0x80000, SHARED = 0x100000, RELATIME = 0x200000, STRICTATIME = 0x1000000;

describe("parseMountOptions", () => {
  test("nothing", () => {
    expect(parseMountOptions()).toEqual({ flags: 0, remountFlags: 0, propagation: 0, data: "", bind: false });
  });
  test("flags; data options kept in order", () => {
    const p = parseMountOptions(["nosuid", "noexec", "nodev", "mode=755", "size=65536k", "strictatime"]);
    expect(p.flags).toBe(NOSUID | NOEXEC | NODEV | STRICTATIME);
    expect(p.data).toBe("mode=755,size=65536k");
    expect(p.bind).toBe(false);
  });
  test("ro/rw and the other pairs toggle; the last one wins", () => {
    expect(parseMountOptions(["ro"]).flags).toBe(RDONLY);
    expect(parseMountOptions(["ro", "rw"]).flags).toBe(0);
    expect(parseMountOptions(["rw", "ro"]).flags).toBe(RDONLY);
    expect(parseMountOptions(["noexec", "exec", "nosuid", "suid", "nodev", "dev"]).flags).toBe(0);
    expect(parseMountOptions(["noatime", "atime"]).flags).toBe(0);
    expect(parseMountOptions(["relatime", "norelatime", "noatime"]).flags).toBe(NOATIME);
    // Toggling one flag leaves the others alone.
    expect(parseMountOptions(["ro", "nosuid", "rw"]).flags).toBe(NOSUID);
  });
  test("bind and rbind", () => {
    expect(parseMountOptions(["bind"])).toMatchObject({ flags: BIND, bind: true });
    expect(parseMountOptions(["rbind"])).toMatchObject({ flags: BIND | REC, bind: true });
  });
  test("propagation modes, never passed as data", () => {
    const cases: [string, number][] = [
      ["private", PRIVATE], ["rprivate", PRIVATE | REC], ["slave", SLAVE], ["rslave", SLAVE | REC],
      ["shared", SHARED], ["rshared", SHARED | REC], ["unbindable", UNBINDABLE], ["runbindable", UNBINDABLE | REC],
    ];
    for (const [opt, want] of cases) {
      const p = parseMountOptions(["rbind", opt]);
      expect([opt, p.propagation, p.data]).toEqual([opt, want, ""]);
      expect(p.flags & (PRIVATE | SLAVE | SHARED | UNBINDABLE)).toBe(0); // set in a separate mount(2) call
    }
    expect(parseMountOptions(["rslave", "rprivate"]).propagation).toBe(PRIVATE | REC);
  });
  test("remountFlags only for binds, with the flags a bind ignores on the first call", () => {
    const b = parseMountOptions(["rbind", "rprivate", "ro", "nosuid", "nodev", "noexec"]);
    expect(b.remountFlags).toBe(RDONLY | NOSUID | NODEV | NOEXEC);
    expect(b.remountFlags & (BIND | REC)).toBe(0);
    expect(parseMountOptions(["rbind", "rw"]).remountFlags).toBe(0);
    expect(parseMountOptions(["ro", "nosuid"]).remountFlags).toBe(0);
    expect(parseMountOptions(["bind", "noatime"]).remountFlags).toBe(NOATIME);
  });
  test("an OCI mount of type bind is a bind even without a bind option", () => {
    const p = parseMountOptions(["ro"], "bind");
    expect(p.bind).toBe(true);
    expect(p.remountFlags).toBe(RDONLY);
    expect(parseMountOptions(["ro"], "tmpfs")).toMatchObject({ bind: false, remountFlags: 0, flags: RDONLY });
  });
});
