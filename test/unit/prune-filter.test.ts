import { describe, expect, test } from "bun:test";
import { parsePruneFilters, pruneFilterMatches } from "../../src/prune/filter.ts";
import { parsePsFilter } from "../../src/container/list-filter.ts";
import { UserError } from "../../src/errors.ts";

describe("prune --filter", () => {
  test("until= takes dates, unix seconds and durations; only what was created before passes", () => {
    const f = parsePruneFilters(["until=2024-06-01T00:00:00Z"]);
    expect(pruneFilterMatches(f, "2024-01-01T00:00:00Z", {})).toBe(true);
    expect(pruneFilterMatches(f, "2024-07-01T00:00:00Z", {})).toBe(false);
    expect(pruneFilterMatches(f, undefined, {})).toBe(false); // no creation time: never "old enough"
    expect(parsePruneFilters(["until=1700000000"]).until).toBe(1_700_000_000_000);
    const hour = parsePruneFilters(["until=1h"]).until!;
    expect(Math.abs(hour - (Date.now() - 3_600_000))).toBeLessThan(60_000);
  });

  test("label= names a label, never a property every object has (label=constructor must not prune all)", () => {
    const m = (...specs: string[]) => pruneFilterMatches(parsePruneFilters(specs), undefined, {});
    expect(m("label=constructor")).toBe(false);
    expect(m("label=toString")).toBe(false);
    expect(m("label!=constructor")).toBe(true);
  });

  test("label=, label!= with and without a value; all must hold", () => {
    const labels = { tier: "web", keep: "" };
    const m = (...specs: string[]) => pruneFilterMatches(parsePruneFilters(specs), undefined, labels);
    expect(m("label=tier")).toBe(true);
    expect(m("label=tier=web")).toBe(true);
    expect(m("label=tier=db")).toBe(false);
    expect(m("label!=keep")).toBe(false);
    expect(m("label!=tier=db")).toBe(true);
    expect(m("label=tier", "label!=keep")).toBe(false);
    expect(pruneFilterMatches(parsePruneFilters(["label!=x"]), undefined, undefined)).toBe(true);
  });

  test("unknown keys and shapes are refused with Docker's words and exit 1", () => {
    expect(() => parsePruneFilters(["colour=red"])).toThrow("invalid filter 'colour'");
    expect(() => parsePruneFilters(["until!=1h"])).toThrow("invalid filter 'until'");
    expect(() => parsePruneFilters(["until=1h"], ["label"])).toThrow("invalid filter 'until'");
    expect(() => parsePruneFilters(["nonsense"])).toThrow("bad format of filter");
    expect(() => parsePruneFilters(["until=yesterday"])).toThrow('failed to parse value as time or duration: "yesterday"');
    let error: unknown;
    try { parsePruneFilters(["colour=red"]); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(1);
  });
});

describe("ps --filter parsing", () => {
  test("Docker's keys; ports as PORT[/PROTO] or a range; unknown keys and statuses refused", () => {
    expect(parsePsFilter("publish=8000-8080/udp")).toEqual({ key: "publish", value: "8000-8080/udp" });
    expect(() => parsePsFilter("publish=80-70")).toThrow("invalid port range");
    expect(() => parsePsFilter("expose=http")).toThrow("is not a port");
    expect(() => parsePsFilter("colour=red")).toThrow("Invalid filter 'colour'");
    expect(() => parsePsFilter("status=sleeping")).toThrow("invalid filter 'status=sleeping'");
    expect(parsePsFilter("network=abc")).toEqual({ key: "network", value: "abc" });
  });
});
