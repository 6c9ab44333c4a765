import { describe, expect, test } from "bun:test";
import { FORWARDED_SIGNALS, imageStopSignal, parseSignal } from "../../src/container/signals.ts";
import { UserError } from "../../src/errors.ts";

describe("parseSignal: Docker's names and numbers", () => {
  test("names with or without SIG, any case; numbers 1-64; real-time signals", () => {
    expect(parseSignal("SIGTERM")).toBe(15);
    expect(parseSignal("term")).toBe(15);
    expect(parseSignal("Sigusr1")).toBe(10);
    expect(parseSignal("9")).toBe(9);
    expect(parseSignal("64")).toBe(64);
    expect(parseSignal("SIGSTKFLT")).toBe(16);
    expect(parseSignal("RTMIN")).toBe(34);
    expect(parseSignal("SIGRTMIN+3")).toBe(37);
    expect(parseSignal("RTMAX-1")).toBe(63);
    expect(parseSignal("RTMAX")).toBe(64);
  });

  test("everything else is a UserError naming the input", () => {
    for (const bad of ["SIGBOGUS", "0", "65", "-1", "1.5", "SIG", "", " TERM", "RTMIN+31", "RTMAX-31", "RTMIN-1", "99999999999999999999", "constructor", "toString", "SIGconstructor"]) {
      expect(() => parseSignal(bad)).toThrow(UserError);
      expect(() => parseSignal(bad)).toThrow(`invalid signal: ${bad}`);
    }
  });

  test("an image's STOPSIGNAL that cannot be read is dropped (SIGTERM at stop, Docker's fallback)", () => {
    expect(imageStopSignal(undefined)).toBeUndefined();
    expect(imageStopSignal("SIGBOGUS")).toBeUndefined();
    expect(imageStopSignal("")).toBeUndefined();
    expect(imageStopSignal("SIGUSR2")).toBe("SIGUSR2");
    expect(imageStopSignal("rtmin+2")).toBe("rtmin+2");
  });

  test("forwarded: all but KILL, STOP, CHLD, PIPE, WINCH, PWR and the fault signals", () => {
    const names = new Set<string>(FORWARDED_SIGNALS);
    for (const never of ["SIGKILL", "SIGSTOP", "SIGCHLD", "SIGPIPE", "SIGWINCH", "SIGPWR", "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE"]) expect(names.has(never)).toBe(false);
    for (const must of ["SIGALRM", "SIGXCPU", "SIGVTALRM", "SIGPROF", "SIGIO", "SIGSYS", "SIGTRAP", "SIGABRT", "SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCONT", "SIGTSTP", "SIGURG"]) expect(names.has(must)).toBe(true);
  });
});
