// --pid/--ipc container:X at start: the donor's namespace is opened from its current record and used
// only if its init is still the same process after the open (start time), never from a recycled pid.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, fstatSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerStore, type ContainerRecord } from "../../src/container/store.ts";
import { identify } from "../../src/container/liveness.ts";
import { openJoinedNamespaces } from "../../src/container/namespace-joins.ts";
import { HARDENING_ANNOTATION } from "../../src/oci/hardening.ts";
import type { Spec } from "../../src/oci/spec.ts";
import { UserError } from "../../src/errors.ts";

let dir = "";
let store: ContainerStore;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "minibox-joins-")); store = new ContainerStore(dir); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function donor(id: string, process: ContainerRecord["state"]["process"]): void {
  store.create({ id, name: id, image: "sha256:x", imageName: "x", command: [], created: "", autoRemove: false, state: { status: "running", process } });
}

const joining = (id: string, pidAtCreate: number): Spec => ({
  linux: { namespaces: [{ type: "pid", path: `/proc/${pidAtCreate}/ns/pid` }, { type: "mount" }] },
  annotations: { [HARDENING_ANNOTATION.donors]: JSON.stringify({ pid: id }) },
}) as unknown as Spec;

describe("openJoinedNamespaces", () => {
  test("a running donor: an fd of its init's namespace, found from the record (not the spec's stale pid)", () => {
    donor("live", identify(process.pid));
    const [joined, ...rest] = openJoinedNamespaces(store, joining("live", 999_999_999));
    try {
      expect(rest).toEqual([]);
      expect(joined!.ns).toBe("pid");
      expect(fstatSync(joined!.fd).ino).toBe(statSync("/proc/self/ns/pid").ino);
    } finally {
      closeSync(joined!.fd);
    }
  });

  test("a recycled pid (same pid, other start time) is refused", () => {
    const me = identify(process.pid)!;
    donor("recycled", { ...me, startTime: me.startTime - 1 });
    expect(() => openJoinedNamespaces(store, joining("recycled", me.pid))).toThrow(UserError);
    expect(() => openJoinedNamespaces(store, joining("recycled", me.pid))).toThrow("cannot join PID of a non running container: recycled");
  });

  test("a removed donor is refused with Docker's wording", () => {
    expect(() => openJoinedNamespaces(store, joining("gone", 1))).toThrow("cannot join PID of a non running container: gone");
  });

  test("no joined namespace: nothing opened", () => {
    expect(openJoinedNamespaces(store, { linux: { namespaces: [{ type: "pid" }] } } as unknown as Spec)).toEqual([]);
  });
});
