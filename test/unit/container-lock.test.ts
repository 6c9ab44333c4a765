// The container lock, and the verbs that must read the record fresh under it: a stale copy of a record
// (read before the monitor recorded an exit) must never be saved over that exit.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerStore, type ContainerRecord } from "../../src/container/store.ts";
import { ContainerGoneError, ContainerLock, withContainerLock } from "../../src/container/lock.ts";
import { renameContainer, stopContainer } from "../../src/container/lifecycle.ts";
import { bootId, identify } from "../../src/container/liveness.ts";

let root = "";
let store: ContainerStore;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "minibox-lock-"));
  store = new ContainerStore(root);
});
afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); });

const ID = "ab".repeat(32);
function make(over: Partial<ContainerRecord> = {}): ContainerRecord {
  const r: ContainerRecord = {
    id: ID, name: "web", image: `sha256:${"cd".repeat(32)}`, imageName: "busybox", command: ["true"],
    created: "2024-01-01T00:00:00.000Z", autoRemove: false, state: { status: "created" }, ...over,
  };
  store.claimName(r.name, r.id);
  store.create(r);
  return r;
}

describe("ContainerLock", () => {
  test("exclusive between open files; free again after release", () => {
    make();
    const a = ContainerLock.tryAcquireIn(store.dir(ID), ID);
    expect(a).not.toBeNull();
    expect(ContainerLock.tryAcquireIn(store.dir(ID), ID)).toBeNull();
    a!.release();
    const b = ContainerLock.tryAcquireIn(store.dir(ID), ID);
    expect(b).not.toBeNull();
    b!.release();
  });

  test("a waiter whose container was removed meanwhile gets ContainerGoneError", async () => {
    make();
    const holder = ContainerLock.tryAcquireIn(store.dir(ID), ID)!;
    const waiter = ContainerLock.acquireIn(store.dir(ID), ID, 5_000);
    store.remove({ id: ID, name: "web" });
    holder.release();
    await expect(waiter).rejects.toBeInstanceOf(ContainerGoneError);
    expect(() => ContainerLock.tryAcquireIn(store.dir(ID), ID)).toThrow(ContainerGoneError);
  });

  test("withContainerLock serialises: the second runs after the first is done", async () => {
    make();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const gate = new Promise<void>((r) => { releaseFirst = r; });
    const first = withContainerLock(store.dir(ID), ID, async () => { order.push("first in"); await gate; order.push("first out"); });
    const second = withContainerLock(store.dir(ID), ID, () => { order.push("second"); });
    await Bun.sleep(0);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(["first in", "first out", "second"]);
  });
});

describe("verbs read the record fresh under the lock", () => {
  const exited = { status: "exited" as const, exitCode: 7, finishedAt: "2024-01-01T00:00:02.000Z" };
  // A copy read while the container ran (its process: this test process, alive).
  const staleRunning = (): ContainerRecord["state"] => ({ status: "running", process: identify(process.pid)!, parent: { pid: process.pid, startTime: 0, bootId: bootId() } });

  test("rename with a stale copy keeps the exit recorded meanwhile", async () => {
    const stale = make({ state: staleRunning() });
    store.save({ ...stale, state: exited }); // the monitor records the exit
    await renameContainer(store, structuredClone(stale), "renamed");
    const now = store.load(ID);
    expect(now.name).toBe("renamed");
    expect(now.state).toEqual(exited);
    expect(store.nameTarget("renamed")).toBe(ID);
    expect(store.nameTarget("web")).toBeUndefined();
  });

  test("stop with a stale copy (already exited on disk) keeps the exit code", async () => {
    const stale = make({ state: { status: "exited", exitCode: 7 } });
    store.save({ ...stale, state: exited });
    await stopContainer(store, structuredClone(stale), 1);
    expect(store.load(ID).state).toEqual({ ...exited, stoppedByUser: true });
  });
});
