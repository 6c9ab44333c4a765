// --cap-add / --cap-drop / --privileged arithmetic, against Docker's documented behaviour (moby's
// caps.TweakCapabilities): privileged wins; add ALL keeps all but the drops; drop ALL keeps only the adds;
// otherwise the defaults minus the drops plus the adds. Names: any case, with or without CAP_.
import { describe, expect, test } from "bun:test";
import { UserError } from "../../src/errors.ts";
import { allCapabilities, capabilitiesInMask, normalizeCapabilities, tweakCapabilities } from "../../src/oci/capabilities.ts";
import { DEFAULT_CAPABILITIES } from "../../src/oci/defaults.ts";

const LAST = 40;
const tweak = (adds: string[], drops: string[], privileged = false) =>
  tweakCapabilities(DEFAULT_CAPABILITIES, normalizeCapabilities(adds, "CapAdd"), normalizeCapabilities(drops, "CapDrop"), privileged, allCapabilities(LAST));

describe("normalizeCapabilities", () => {
  test("upper-cases, adds CAP_, keeps ALL", () => {
    expect(normalizeCapabilities(["net_admin", "Cap_Chown", "all", "CAP_SYS_TIME"], "CapAdd")).toEqual(["CAP_NET_ADMIN", "CAP_CHOWN", "ALL", "CAP_SYS_TIME"]);
  });
  test("an unknown name is Docker's one-line error, exit 125", () => {
    let err: unknown;
    try { normalizeCapabilities(["fly"], "CapAdd"); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe('invalid CapAdd: unknown capability: "CAP_FLY"');
    expect((err as UserError).exitCode).toBe(125);
    expect(() => normalizeCapabilities([""], "CapDrop")).toThrow(UserError);
    expect(() => normalizeCapabilities(["CAP_ALL"], "CapDrop")).toThrow('unknown capability: "CAP_ALL"');
  });
});

describe("tweakCapabilities", () => {
  test("no flags: the defaults, unchanged", () => {
    expect(tweak([], [])).toEqual([...DEFAULT_CAPABILITIES]);
  });
  test("drop one", () => {
    const caps = tweak([], ["chown"]);
    expect(caps).not.toContain("CAP_CHOWN");
    expect(caps.length).toBe(DEFAULT_CAPABILITIES.length - 1);
  });
  test("add one, and adding a default again does not duplicate it", () => {
    expect(tweak(["NET_ADMIN"], [])).toEqual([...DEFAULT_CAPABILITIES, "CAP_NET_ADMIN"]);
    expect(tweak(["CHOWN"], [])).toEqual([...DEFAULT_CAPABILITIES]);
  });
  test("drop ALL then add: only the adds", () => {
    expect(tweak(["NET_BIND_SERVICE"], ["ALL"])).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(tweak([], ["all"])).toEqual([]);
  });
  test("add ALL: everything the kernel knows but the drops", () => {
    const caps = tweak(["ALL"], ["SYS_ADMIN"]);
    expect(caps).toEqual(allCapabilities(LAST).filter((c) => c !== "CAP_SYS_ADMIN"));
    expect(caps.length).toBe(LAST);
  });
  test("add ALL and drop ALL: add ALL wins, as in moby", () => {
    expect(tweak(["ALL"], ["ALL"])).toEqual(allCapabilities(LAST));
  });
  test("privileged: all capabilities whatever else was asked", () => {
    expect(tweak([], ["ALL"], true)).toEqual(allCapabilities(LAST));
    expect(allCapabilities(LAST)[40]).toBe("CAP_CHECKPOINT_RESTORE");
    expect(allCapabilities(37).length).toBe(38);
  });
  test("ALL is what the engine holds: a bounding set without CAP_SYS_RESOURCE gives everything else", () => {
    const held = capabilitiesInMask(0x1fffeffffffn);
    expect(held).not.toContain("CAP_SYS_RESOURCE");
    expect(held.length).toBe(40);
    expect(tweakCapabilities(DEFAULT_CAPABILITIES, [], [], true, held)).toEqual(held);
    expect(capabilitiesInMask(0xa80425fbn)).toEqual([...DEFAULT_CAPABILITIES].sort((a, b) => allCapabilities(40).indexOf(a) - allCapabilities(40).indexOf(b)));
  });
  test("the same capability both added and dropped: added (the adds come last)", () => {
    expect(tweak(["NET_ADMIN"], ["NET_ADMIN"])).toContain("CAP_NET_ADMIN");
  });
});
