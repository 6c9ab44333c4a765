// exec --privileged / --cap-add / --cap-drop, and the container's --group-add reaching exec'd processes.
import { describe, expect, test } from "bun:test";
import { parseExecArgs } from "../../src/cli/exec.ts";
import { buildExecRequest } from "../../src/container/exec-request.ts";
import { parseHardeningFlags } from "../../src/container/hardening-options.ts";
import { hardeningAnnotations } from "../../src/oci/hardening.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { UserError } from "../../src/errors.ts";

const caps = ["CAP_KILL", "CAP_CHOWN"];
const spec = {
  process: {
    args: ["sh"], env: [], cwd: "/", terminal: false, user: { uid: 0, gid: 0 },
    capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
  },
  linux: { namespaces: [], seccomp: { defaultAction: "SCMP_ACT_ALLOW", profile: "minibox-default" } },
  annotations: hardeningAnnotations(parseHardeningFlags({ "group-add": ["staff", "77"] })),
} as unknown as Spec;

describe("exec hardening flags", () => {
  test("parsed only when given", () => {
    expect(parseExecArgs(["c", "true"], {})).not.toHaveProperty("privileged");
    const o = parseExecArgs(["--privileged", "--cap-add", "net_admin", "--cap-drop", "KILL", "--cap-add=SYS_TIME", "c", "true"], {});
    expect(o).toMatchObject({ privileged: true, capAdd: ["CAP_NET_ADMIN", "CAP_SYS_TIME"], capDrop: ["CAP_KILL"] });
    expect(() => parseExecArgs(["--cap-add", "fly", "c", "true"], {})).toThrow(UserError);
  });
  test("without them the container's capabilities; with them, tweaked from the container's", () => {
    const base = { container: "c", command: ["id"], interactive: false, tty: false, detach: false, env: [] };
    expect(buildExecRequest(spec, base).process.capabilities!.bounding).toEqual(caps);
    const tweaked = buildExecRequest(spec, { ...base, capAdd: ["CAP_NET_ADMIN"], capDrop: ["CAP_KILL"] }).process.capabilities!;
    expect(tweaked.bounding).toEqual(["CAP_CHOWN", "CAP_NET_ADMIN"]);
    expect(tweaked.effective).toEqual(tweaked.bounding);
    const all = buildExecRequest(spec, { ...base, privileged: true }).process.capabilities!;
    expect(all.bounding).toContain("CAP_SYS_ADMIN");
    expect(all.inheritable).toEqual([]);
  });
  test("privileged exec keeps the container's seccomp filter (as runc and Docker do)", () => {
    const base = { container: "c", command: ["id"], interactive: false, tty: false, detach: false, env: [], privileged: true };
    expect(buildExecRequest(spec, base).seccomp).toBeDefined();
  });
  test("the container's --group-add travels with the request", () => {
    const base = { container: "c", command: ["id"], interactive: false, tty: false, detach: false, env: [] };
    expect(buildExecRequest(spec, base).groupAdd).toEqual(["staff", "77"]);
  });
});
