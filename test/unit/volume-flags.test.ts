// The parsers of -v, --mount and --volumes-from, and the merge of mounts by destination: pure functions.
import { describe, expect, test } from "bun:test";
import { EXIT, UserError } from "../../src/errors.ts";
import { parseVolumeFlag } from "../../src/volume/volume-flag.ts";
import { parseMountFlag } from "../../src/volume/mount-flag.ts";
import { parseVolumesFrom, planMounts } from "../../src/volume/plan.ts";
import { parseFilters, type ListedVolume } from "../../src/volume/ops.ts";
import { validateDriverOptions } from "../../src/volume/driver-options.ts";

function userError(fn: () => unknown): UserError {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error("expected a UserError, nothing was thrown");
}

describe("-v", () => {
  test("absolute source: a bind that -v may create; modes ro, z, propagation", () => {
    expect(parseVolumeFlag("/h:/c")).toEqual({ type: "bind", source: "/h", destination: "/c", readonly: false, propagation: undefined, createSource: true, mode: "" });
    expect(parseVolumeFlag("/h:/c:ro,Z,rshared")).toMatchObject({ type: "bind", readonly: true, propagation: "rshared", mode: "ro,Z,rshared" });
    expect(parseVolumeFlag("/h:/c:z")).toMatchObject({ readonly: false, mode: "z" });
  });
  test("a name: a named volume; nocopy; one path: an anonymous volume", () => {
    expect(parseVolumeFlag("data:/var/lib/db")).toEqual({ type: "volume", name: "data", destination: "/var/lib/db", readonly: false, nocopy: false, driverOptions: {}, labels: {}, mode: "" });
    expect(parseVolumeFlag("data:/d:ro,nocopy")).toMatchObject({ name: "data", readonly: true, nocopy: true });
    expect(parseVolumeFlag("/scratch")).toEqual({ type: "volume", destination: "/scratch", readonly: false, nocopy: false, driverOptions: {}, labels: {}, mode: "" });
  });
  test.each([
    ["/h:/c:rx", "invalid mode: rx"], ["/h:/c:ro,rw", "invalid volume specification"], ["/h:/c:z,Z", "invalid volume specification"],
    ["/h:/c:shared,slave", "invalid volume specification"], ["/h:/c:nocopy", "invalid mode: nocopy"], ["v1:/c:shared", "invalid mode: shared"],
    ["a:/c", "invalid characters"], ["-x:/c", "invalid characters"], ["v/x:/c", "invalid characters"], ["v1:c", "must be absolute"],
    ["/h:/", "destination can't be '/'"], ["/h:/a:ro:x", "invalid volume specification"], ["/h::ro", "invalid volume specification"],
    [":/c", "invalid volume specification"], ["relative", "must be absolute"], ["/h:/proc/sys", "inside /proc"], ["/h:/c:", "invalid volume specification"],
  ])("refuses %p (exit 125)", (spec, message) => {
    const e = userError(() => parseVolumeFlag(spec));
    expect(e.exitCode).toBe(EXIT.ENGINE);
    expect(e.message).toContain(message);
  });
});

describe("--mount", () => {
  test("bind with every spelling of the keys", () => {
    expect(parseMountFlag("type=bind,source=/h,target=/c,readonly,bind-propagation=rslave")).toEqual({
      type: "bind", source: "/h", destination: "/c", readonly: true, propagation: "rslave", createSource: false, mode: "",
    });
    expect(parseMountFlag("type=bind,src=/h,dst=/c,ro=false")).toMatchObject({ readonly: false });
    expect(parseMountFlag("type=bind,src=/h,destination=/c,ro=1,consistency=cached")).toMatchObject({ readonly: true });
  });
  test("volume is the default type; options, labels, nocopy; quoted commas", () => {
    expect(parseMountFlag(`src=v1,dst=/c,volume-nocopy,volume-label=a=b,volume-opt=type=tmpfs,"volume-opt=o=size=1m,mode=700"`)).toEqual({
      type: "volume", name: "v1", destination: "/c", readonly: false, nocopy: true, labels: { a: "b" },
      driverOptions: { type: "tmpfs", o: "size=1m,mode=700" }, mode: "",
    });
    expect(parseMountFlag("type=volume,dst=/c")).toMatchObject({ type: "volume", name: undefined });
  });
  test("tmpfs: size in Docker's units, mode in octal", () => {
    expect(parseMountFlag("type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777")).toEqual({ type: "tmpfs", destination: "/t", readonly: false, sizeBytes: 64 << 20, mode: 0o1777 });
  });
  test.each([
    ["type=bind,dst=/c", `invalid mount config for type "bind": field Source must not be empty`],
    ["type=bind,src=rel,dst=/c", "mount path must be absolute"],
    ["type=bind,src=/h", "target is required"],
    ["type=bind,src=/h,dst=rel", "invalid mount path: 'rel' mount path must be absolute"],
    ["type=bind,src=/h,dst=/c,bind-propagation=bogus", "invalid propagation mode: bogus"],
    ["type=bind,src=/h,dst=/c,tmpfs-size=1m", "cannot mix 'tmpfs-*' options with mount type 'bind'"],
    ["type=volume,dst=/c,bind-propagation=shared", "cannot mix 'bind-*' options with mount type 'volume'"],
    ["type=tmpfs,dst=/c,volume-nocopy", "cannot mix 'volume-*' options with mount type 'tmpfs'"],
    ["type=tmpfs,src=x,dst=/c", "field Source must not be specified"],
    ["type=tmpfs,dst=/c,tmpfs-mode=999", "invalid value for tmpfs-mode: 999"],
    ["type=tmpfs,dst=/c,tmpfs-size=big", "invalid value for tmpfs-size: big"],
    ["type=volume,src=v1,dst=/c,volume-driver=nfs", `plugin "nfs" not found`],
    ["type=volume,src=v1,dst=/c,volume-opt=novalue", "invalid volume-opt: novalue"],
    ["type=volume,src=v1,dst=/c,readonly=perhaps", "invalid value for readonly: perhaps"],
    ["type=volume,src=v1,dst=/c,colour=red", "unexpected key 'colour' in 'colour=red'"],
    ["type=volume,src=v1,dst", "invalid field 'dst' must be a key=value pair"],
    ["type=cluster,dst=/c", `invalid mount config for type "cluster": mount type unknown`],
    ["type=volume,src=v1,dst=/proc", "inside /proc"],
    [`type=volume,"src=v1,dst=/c`, "extraneous or missing"],
  ])("refuses %p", (value, message) => {
    const e = userError(() => parseMountFlag(value));
    expect(e.exitCode).toBe(EXIT.ENGINE);
    expect(e.message).toContain(message);
  });
});

describe("planMounts", () => {
  const vol = (destination: string, name?: string) => ({ type: "volume" as const, name, destination, readonly: false, nocopy: false, driverOptions: {}, labels: {}, mode: "" });
  test("the user's mounts win over --volumes-from, which wins over the image's VOLUMEs", () => {
    const plan = planMounts([vol("/a", "mine")], [], [{
      mounts: [
        { Type: "volume", Name: "theirs", Source: "/s", Destination: "/a", Driver: "local", Mode: "", RW: true, Propagation: "" },
        { Type: "volume", Name: "theirs2", Source: "/s2", Destination: "/b", Driver: "local", Mode: "", RW: true, Propagation: "" },
        { Type: "tmpfs", Source: "", Destination: "/t", Mode: "", RW: true, Propagation: "" },
      ], mode: "ro",
    }], ["/b", "/c/"]);
    expect(plan.map((m) => [m.destination, m.type === "volume" ? m.name : undefined, m.readonly])).toEqual([
      ["/a", "mine", false], ["/b", "theirs2", true], ["/c/", undefined, false],
    ]);
  });
  test("--tmpfs takes its path first; two user mounts on one path are refused", () => {
    expect(planMounts([], ["/c"], [], ["/c"])).toEqual([]);
    expect(userError(() => planMounts([vol("/x", "aa"), vol("/x/", "bb")], [], [], [])).message).toBe("Duplicate mount point: /x");
  });
  test("an image VOLUME is held to the user's rules: absolute, not /, not in /proc", () => {
    expect(userError(() => planMounts([], [], [], ["/proc/sys"])).message).toContain("inside /proc");
    expect(userError(() => planMounts([], [], [], ["relative"])).message).toContain("must be absolute");
    expect(userError(() => planMounts([], [], [], ["/"])).message).toContain("destination can't be '/'");
  });
  test("--volumes-from CTR[:ro|rw]", () => {
    expect(parseVolumesFrom("web")).toEqual({ container: "web", mode: undefined });
    expect(parseVolumesFrom("web:ro")).toEqual({ container: "web", mode: "ro" });
    userError(() => parseVolumesFrom("web:rx"));
    userError(() => parseVolumesFrom("web:ro:x"));
  });
});

describe("volume ls filters and local driver options", () => {
  const v = (name: string, dangling: boolean, labels: Record<string, string> = {}): ListedVolume => ({
    Name: name, Driver: "local", Labels: labels, Options: {}, CreatedAt: "", Anonymous: false, Mountpoint: "", Scope: "local", Dangling: dangling,
  });
  const all = [v("db", false, { tier: "db" }), v("cache", true), v("dbx", true, { tier: "x" })];
  const names = (filters: string[]) => all.filter(parseFilters(filters)).map((x) => x.Name);
  test("dangling, name (substring), label (key or key=value); all must hold", () => {
    expect(names(["dangling=true"])).toEqual(["cache", "dbx"]);
    expect(names(["dangling=false"])).toEqual(["db"]);
    expect(names(["name=db"])).toEqual(["db", "dbx"]);
    expect(names(["label=tier"])).toEqual(["db", "dbx"]);
    expect(names(["label=tier=db"])).toEqual(["db"]);
    expect(names(["name=db", "dangling=true"])).toEqual(["dbx"]);
    userError(() => parseFilters(["dangling=maybe"]));
    userError(() => parseFilters(["colour=red"]));
  });
  test("local driver: known keys only; type and device need each other, o needs both (Docker's mandatoryOpts)", () => {
    validateDriverOptions("v1", { type: "tmpfs", device: "tmpfs", o: "size=1m" });
    validateDriverOptions("v1", { type: "none", device: "/x", o: "bind" });
    validateDriverOptions("v1", {});
    expect(userError(() => validateDriverOptions("v1", { foo: "1" })).message).toBe(`create v1: invalid option key: "foo"`);
    expect(userError(() => validateDriverOptions("v1", { type: "tmpfs" })).message).toBe(`create v1: missing required option: "device"`);
    expect(userError(() => validateDriverOptions("v1", { device: "/dev/sdz" })).message).toBe(`create v1: missing required option: "type"`);
    expect(userError(() => validateDriverOptions("v1", { o: "size=1m" })).message).toBe(`create v1: missing required option: "device"`);
  });
});
