// compat-run: health check flags, merging with the image's config, and moby's rules for probe results.
import { describe, expect, test } from "bun:test";
import { UserError } from "../../src/errors.ts";
import { effectiveHealth, goDurationString, mergeHealth, parseHealthFlags } from "../../src/health/config.ts";
import { applyResult, started, stopped, type HealthState } from "../../src/health/state.ts";

const MS = 1_000_000;
const none = { noHealthcheck: false };

describe("flags", () => {
  test("nothing given: no config; --health-cmd is CMD-SHELL; durations in ns, zeros left out", () => {
    expect(parseHealthFlags(none)).toBeUndefined();
    expect(parseHealthFlags({ ...none, cmd: "true", interval: "1m30s", retries: "2" })).toEqual({ Test: ["CMD-SHELL", "true"], Interval: 90_000 * MS, Retries: 2 });
    expect(parseHealthFlags({ ...none, timeout: "0" })).toEqual({});
    expect(parseHealthFlags({ noHealthcheck: true })).toEqual({ Test: ["NONE"] });
  });

  test("Docker's refusals", () => {
    for (const f of [{ interval: "-1s" }, { timeout: "-1ms" }, { retries: "-1" }, { startPeriod: "-2s" }, { interval: "5" }, { retries: "x" }, { interval: "999us" }]) {
      expect(() => parseHealthFlags({ ...none, ...f })).toThrow(UserError);
    }
    expect(() => parseHealthFlags({ noHealthcheck: true, retries: "1" })).toThrow("--no-healthcheck conflicts with --health-* options");
  });
});

test("merge: each unset setting from the image; a malformed image config is ignored", () => {
  const image = { Test: ["CMD", "probe"], Interval: 5 * MS, Retries: 4 };
  expect(mergeHealth(image, { Retries: 9 })).toEqual({ Test: ["CMD", "probe"], Interval: 5 * MS, Retries: 9 });
  expect(mergeHealth(image, undefined)).toEqual(image);
  expect(mergeHealth({ Test: "nope", Interval: -1 }, undefined)).toBeUndefined();
  expect(mergeHealth(undefined, { Test: ["NONE"] })).toEqual({ Test: ["NONE"] });
});

test("effective: defaults of 30s, 30s, 3 retries; NONE and empty tests mean no probe", () => {
  expect(effectiveHealth({ Test: ["CMD-SHELL", "x y"] })).toEqual({ command: ["/bin/sh", "-c", "x y"], intervalNs: 30_000 * MS, timeoutNs: 30_000 * MS, startPeriodNs: 0, retries: 3 });
  expect(effectiveHealth({ Test: ["CMD", "a", "b"] })!.command).toEqual(["a", "b"]);
  for (const t of [["NONE"], [], ["CMD"], ["FOO", "x"]]) expect(effectiveHealth({ Test: t })).toBeUndefined();
  expect(effectiveHealth(undefined)).toBeUndefined();
});

test("Go's Duration.String for the timeout message", () => {
  expect(goDurationString(300 * MS)).toBe("300ms");
  expect(goDurationString(30_000 * MS)).toBe("30s");
  expect(goDurationString(90_000 * MS)).toBe("1m30s");
  expect(goDurationString(3_600_000 * MS)).toBe("1h0m0s");
  expect(goDurationString(1_500 * MS)).toBe("1.5s");
});

describe("probe results", () => {
  const config = { command: ["true"], intervalNs: MS, timeoutNs: MS, startPeriodNs: 10_000 * MS, retries: 2 };
  const at = (ms: number, code: number) => ({ Start: new Date(ms).toISOString(), End: new Date(ms).toISOString(), ExitCode: code, Output: "" });
  const t0 = Date.parse("2026-01-01T00:00:00Z");

  test("failures inside the start period do not count while starting; afterwards retries make it unhealthy", () => {
    let s: HealthState = started(undefined);
    s = applyResult(s, at(t0 + 1000, 1), config, t0);
    expect(s).toMatchObject({ Status: "starting", FailingStreak: 0 });
    s = applyResult(s, at(t0 + 11_000, 1), config, t0);
    expect(s).toMatchObject({ Status: "starting", FailingStreak: 1 });
    s = applyResult(s, at(t0 + 12_000, 1), config, t0);
    expect(s).toMatchObject({ Status: "unhealthy", FailingStreak: 2 });
    s = applyResult(s, at(t0 + 13_000, 0), config, t0);
    expect(s).toMatchObject({ Status: "healthy", FailingStreak: 0 });
    expect(s.Log).toHaveLength(4);
  });

  test("once healthy, the start period no longer shields failures; the log keeps five", () => {
    let s = applyResult(started(undefined), at(t0, 0), config, t0);
    s = applyResult(s, at(t0 + 1, 1), config, t0);
    expect(s).toMatchObject({ Status: "healthy", FailingStreak: 1 });
    for (let i = 0; i < 10; i++) s = applyResult(s, at(t0 + 2 + i, 1), config, t0);
    expect(s.Status).toBe("unhealthy");
    expect(s.Log).toHaveLength(5);
  });

  test("a restart starts again keeping log and streak; a stop is unhealthy", () => {
    const s: HealthState = { Status: "healthy", FailingStreak: 1, Log: [at(t0, 0)] };
    expect(started(s)).toEqual({ Status: "starting", FailingStreak: 1, Log: s.Log });
    expect(stopped(s).Status).toBe("unhealthy");
  });
});
