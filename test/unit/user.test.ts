import { describe, expect, test } from "bun:test";
import { parseGroup, parsePasswd, resolveUser, UserLookupError } from "../../src/init/user.ts";

const PASSWD = `# a comment
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

   garbage line without colons
broken:x:notanumber:1:b:/b:/bin/sh
noid:x::5:n:/n:/bin/sh
short:x:7
app:x:1000:1000:App User:/home/app:/bin/sh
nohome:x:1001:1001:::/bin/sh
`;
const GROUP = `# groups
root:x:0:
wheel:x:10:root,app
staff:x:50:app, other
app:x:1000:
bad:x:xx:app
empty::
audio:x:63:someoneelse
dup:x:10:app
`;
const passwd = parsePasswd(PASSWD);
const groups = parseGroup(GROUP);

describe("parsePasswd / parseGroup", () => {
  test("skips comments, blank lines, garbage and non-numeric or empty ids", () => {
    expect(passwd.map((p) => p.name)).toEqual(["root", "daemon", "app", "nohome"]);
    expect(passwd.find((p) => p.name === "app")).toEqual({ name: "app", uid: 1000, gid: 1000, home: "/home/app" });
    expect(passwd.find((p) => p.name === "root")).toEqual({ name: "root", uid: 0, gid: 0, home: "/root" });
  });
  test("an empty uid field is not uid 0", () => {
    expect(parsePasswd("evil:x::0:e:/e:/bin/sh\nevil2:x: :0:e:/e:/bin/sh\nhex:x:0x10:0:h:/h:/bin/sh\n")).toEqual([]);
  });
  test("group members are split and trimmed", () => {
    expect(groups.map((g) => g.name)).toEqual(["root", "wheel", "staff", "app", "audio", "dup"]);
    expect(groups.find((g) => g.name === "wheel")).toEqual({ name: "wheel", gid: 10, members: ["root", "app"] });
    expect(groups.find((g) => g.name === "staff")?.members).toEqual(["app", "other"]);
    expect(groups.find((g) => g.name === "root")?.members).toEqual([]);
  });
  test("empty input", () => {
    expect(parsePasswd("")).toEqual([]);
    expect(parseGroup("\n\n")).toEqual([]);
  });
});

describe("resolveUser", () => {
  test('"" is root from passwd', () => {
    expect(resolveUser("", passwd, groups)).toEqual({ uid: 0, gid: 0, additionalGids: [0, 10], home: "/root" });
  });
  test('"" with no passwd at all is uid 0, home /', () => {
    expect(resolveUser("", [], [])).toEqual({ uid: 0, gid: 0, additionalGids: [0], home: "/" });
  });
  test('"root" by name', () => {
    expect(resolveUser("root", passwd, groups)).toEqual({ uid: 0, gid: 0, additionalGids: [0, 10], home: "/root" });
  });
  test('"app": gid and home from passwd, supplementary groups from membership, deduplicated', () => {
    const u = resolveUser("app", passwd, groups);
    expect(u).toMatchObject({ uid: 1000, gid: 1000, home: "/home/app" });
    expect([...u.additionalGids].sort((a, b) => a - b)).toEqual([10, 50, 1000]);
  });
  test('"1000" matches the passwd entry by uid', () => {
    const u = resolveUser("1000", passwd, groups);
    expect(u).toMatchObject({ uid: 1000, gid: 1000, home: "/home/app" });
    expect([...u.additionalGids].sort((a, b) => a - b)).toEqual([10, 50, 1000]);
  });
  test('"1000:50": explicit gid, no groups from membership (Docker: only in the implicit form), the primary one listed', () => {
    expect(resolveUser("1000:50", passwd, groups)).toEqual({ uid: 1000, gid: 50, additionalGids: [50], home: "/home/app" });
  });
  test('"app:staff": group by name', () => {
    expect(resolveUser("app:staff", passwd, groups)).toEqual({ uid: 1000, gid: 50, additionalGids: [50], home: "/home/app" });
  });
  test('"app:" is the implicit form', () => {
    expect(resolveUser("app:", passwd, groups).gid).toBe(1000);
  });
  test('"4242": unknown numeric uid runs as uid 4242, gid 0, home /', () => {
    expect(resolveUser("4242", passwd, groups)).toEqual({ uid: 4242, gid: 0, additionalGids: [0], home: "/" });
    expect(resolveUser("4242:4343", passwd, groups)).toEqual({ uid: 4242, gid: 4343, additionalGids: [4343], home: "/" });
  });
  test("unknown names are UserLookupErrors", () => {
    expect(() => resolveUser("nobody-here", passwd, groups)).toThrow(UserLookupError);
    expect(() => resolveUser("nobody-here", passwd, groups)).toThrow("nobody-here");
    expect(() => resolveUser("app:nogroup", passwd, groups)).toThrow(UserLookupError);
    expect(() => resolveUser("app:nogroup", passwd, groups)).toThrow("nogroup");
    expect(() => resolveUser("broken", passwd, groups)).toThrow(UserLookupError); // its line was invalid
  });
  test("ids beyond 2^31-1 are out of range; the limit itself is fine", () => {
    expect(() => resolveUser("2147483648", passwd, groups)).toThrow(UserLookupError);
    expect(() => resolveUser("99999999999999999999999", passwd, groups)).toThrow(UserLookupError);
    expect(() => resolveUser("0:2147483648", passwd, groups)).toThrow(UserLookupError);
    expect(resolveUser("2147483647:2147483647", passwd, groups)).toMatchObject({ uid: 2147483647, gid: 2147483647 });
  });
  test("negative ids are not numeric: looked up as names", () => {
    expect(() => resolveUser("-1", passwd, groups)).toThrow(UserLookupError);
  });
});
