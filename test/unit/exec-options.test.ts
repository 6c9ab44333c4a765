import { describe, expect, test } from "bun:test";
import { parseExecArgs } from "../../src/cli/exec.ts";
import { parseLogsArgs } from "../../src/cli/logs.ts";
import { buildExecRequest, mergeEnv } from "../../src/container/exec-request.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { ANNOTATION } from "../../src/oci/spec.ts";

describe("exec arguments", () => {
  test("options before the container; the command keeps its own flags", () => {
    const o = parseExecArgs(["-it", "-e", "A=1", "-eB=2", "-w", "/tmp", "-u", "app:staff", "c1", "sh", "-c", "echo -e x"], {});
    expect(o).toEqual({
      container: "c1", command: ["sh", "-c", "echo -e x"], interactive: true, tty: true, detach: false,
      env: ["A=1", "B=2"], workdir: "/tmp", user: "app:staff",
    });
  });

  test("-d, long forms, and a bare -e NAME taken from the host or dropped", () => {
    const o = parseExecArgs(["--detach", "--env=FROM_HOST", "--env", "MISSING", "--user=1000", "c", "true"], { FROM_HOST: "h" });
    expect(o.detach).toBe(true);
    expect(o.env).toEqual(["FROM_HOST=h"]);
    expect(o.user).toBe("1000");
  });

  test("a container and a command are both required", () => {
    expect(() => parseExecArgs(["c1"], {})).toThrow('"exec" requires at least 2 arguments');
    expect(() => parseExecArgs([], {})).toThrow();
    expect(() => parseExecArgs(["--bogus", "c", "ls"], {})).toThrow("unknown flag: --bogus");
  });
});

describe("exec request from the container's config", () => {
  const spec = {
    process: {
      args: ["sh"], env: ["PATH=/bin", "A=container"], cwd: "/srv", terminal: false, user: { uid: 0, gid: 0 },
      capabilities: { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"], inheritable: [], ambient: [] },
      rlimits: [{ type: "RLIMIT_NOFILE", soft: 10, hard: 20 }], noNewPrivileges: true,
    },
    linux: { namespaces: [], seccomp: { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] } },
    annotations: { [ANNOTATION.user]: "app" },
  } as unknown as Spec;
  const base = { container: "c", command: ["id"], interactive: false, tty: false, detach: false, env: [] as string[] };

  test("defaults are the container's: env, cwd, user, capabilities, rlimits, no_new_privs, seccomp", () => {
    const r = buildExecRequest(spec, base);
    expect(r.user).toBe("app");
    expect(r.seccomp).toEqual({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW" }] });
    expect(buildExecRequest({ ...spec, linux: { namespaces: [] } }, base).seccomp).toBeUndefined();
    expect(r.process).toEqual({
      args: ["id"], env: ["PATH=/bin", "A=container"], cwd: "/srv", terminal: false,
      capabilities: spec.process.capabilities, rlimits: spec.process.rlimits, noNewPrivileges: true,
    });
  });

  test("-e replaces in place or appends, -w and -u win, -t adds TERM", () => {
    const r = buildExecRequest(spec, { ...base, env: ["A=exec", "B=new"], workdir: "/tmp", user: "0", tty: true });
    expect(r.process.env).toEqual(["PATH=/bin", "A=exec", "B=new", "TERM=xterm"]);
    expect(r.process.cwd).toBe("/tmp");
    expect(r.user).toBe("0");
    expect(buildExecRequest(spec, { ...base, tty: true, env: ["TERM=vt100"] }).process.env).toContain("TERM=vt100");
  });

  test("a relative -w is refused", () => {
    expect(() => buildExecRequest(spec, { ...base, workdir: "tmp" })).toThrow("needs to be an absolute path");
  });

  test("mergeEnv keeps the first position of a key", () => {
    expect(mergeEnv(["A=1", "B=2"], ["B=3", "C=4", "A=5"])).toEqual(["A=5", "B=3", "C=4"]);
  });
});

describe("logs arguments", () => {
  test("flags anywhere around the container", () => {
    const now = Date.UTC(2024, 0, 1);
    const o = parseLogsArgs(["-f", "c1", "--tail", "3", "-t", "--since", "1m"], now);
    expect(o).toEqual({ container: "c1", follow: true, timestamps: true, details: false, selection: { since: BigInt(now - 60_000) * 1_000_000n, until: undefined, tail: 3 } });
    expect(parseLogsArgs(["-n", "all", "c"]).selection.tail).toBeUndefined();
  });

  test("exactly one container", () => {
    expect(() => parseLogsArgs([])).toThrow('"logs" requires exactly 1 argument');
    expect(() => parseLogsArgs(["a", "b"])).toThrow();
  });
});
