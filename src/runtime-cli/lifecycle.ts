// start, kill and delete: each reads the record, derives the status from the kernel, and acts only in
// the states runc allows, with runc's messages.
import { closeSync, fstatSync, openSync, unlinkSync, writeSync, constants } from "node:fs";
import { parseSignal } from "../container/signals.ts";
import { isAlive, processStartTime } from "../container/liveness.ts";
import { cgroupOf, destroyCgroup, statusOf } from "./status.ts";
import { MESSAGES, RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";
import type { RuntimeRecord } from "./store.ts";
import { hasHooks, runHooksWarning, type HookState } from "./hooks.ts";

const O_CLOEXEC = 0x80000;

export async function startContainer(ctx: RuntimeContext, id: string): Promise<void> {
  const record = ctx.store.load(id);
  const status = statusOf(ctx.store, record);
  if (status === "stopped") throw new RuntimeError("cannot start a container that has stopped");
  if (status !== "created") throw new RuntimeError(`cannot start an already running container`);
  const fifo = ctx.store.fifo(id);
  let fd: number;
  try {
    // Non-blocking: the parked init holds the FIFO open for reading, so this succeeds at once; ENXIO
    // means no reader is left (the init died in between).
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | O_CLOEXEC);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENXIO" || code === "ENOENT") throw new RuntimeError("cannot start a container that has stopped");
    throw e;
  }
  const hooks = ctx.store.hooks(id);
  try {
    if (!fstatSync(fd).isFIFO()) throw new RuntimeError(`${fifo} is not a FIFO`);
    writeSync(fd, "0");
    removeFifo(fifo); // the status is "running" from here on
    if (hasHooks(hooks, "startContainer", "poststart")) await waitUntilExec(fd);
  } finally {
    closeSync(fd);
  }
  if (hasHooks(hooks, "poststart")) runHooksWarning("poststart", hooks, hookState(record!, "running"), (m) => warn(ctx, m));
}

/** (Not imported from create.ts: `start` must not load the whole create path.) */
function removeFifo(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/**
 * The init keeps the FIFO open until execve (close-on-exec): once no reader is left, our write fails with
 * EPIPE, and the startContainer hooks have run and the command was exec'd (or the init died).
 */
async function waitUntilExec(fd: number): Promise<void> {
  for (;;) {
    try {
      writeSync(fd, "0"); // never read: the init read its one byte and reads no more
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE") return;
      if (code !== "EAGAIN") throw e;
    }
    await Bun.sleep(2);
  }
}

function hookState(record: RuntimeRecord, status: HookState["status"]): HookState {
  const state: HookState = { ociVersion: record.ociVersion, id: record.id, status, bundle: record.bundle, annotations: record.annotations };
  if (status !== "stopped" && record.init) state.pid = record.init.pid;
  return state;
}

function warn(ctx: RuntimeContext, message: string): void {
  ctx.log("warning", message);
  process.stderr.write(`minibox-runtime: warning: ${message}\n`);
}

export async function killContainer(ctx: RuntimeContext, id: string, signalName: string | undefined, all: boolean): Promise<void> {
  const signal = signalFrom(signalName);
  const record = ctx.store.load(id);
  if (all && record) {
    // As runc: --all works on a stopped init too, for what is left in its cgroup (a shared PID namespace).
    const cgroup = cgroupOf(record);
    for (const pid of cgroup?.pids() ?? []) signalPid(pid, signal);
    return;
  }
  const status = statusOf(ctx.store, record);
  if (status === "stopped" || status === "creating" || !record?.init) throw new RuntimeError(MESSAGES.notRunning);
  if (!isAlive(record.init)) throw new RuntimeError(MESSAGES.notRunning);
  signalPid(record.init.pid, signal);
}

function signalFrom(name: string | undefined): number {
  if (name === undefined) return 15;
  try {
    return parseSignal(name);
  } catch {
    throw new RuntimeError(`unknown signal "${name}"`);
  }
}

function signalPid(pid: number, signal: number): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

export async function deleteContainer(ctx: RuntimeContext, id: string, force: boolean): Promise<void> {
  if (!ctx.store.exists(id)) {
    if (force) return; // runc: delete --force of a missing container is not an error
    throw new RuntimeError(MESSAGES.notExist);
  }
  const record = ctx.store.load(id);
  const status = statusOf(ctx.store, record);
  const hooks = ctx.store.hooks(id);
  if ((status === "running" || status === "paused") && !force) throw new RuntimeError(`cannot delete container ${id} that is not stopped: ${status}`);
  if (record?.init && isAlive(record.init)) {
    // A created container is deleted without --force, as runc does: it never ran its command.
    const cgroup = cgroupOf(record);
    if (status === "paused") cgroup?.thaw();
    signalPid(record.init.pid, 9);
    await waitGone(record);
  }
  if (record) await destroyCgroup(cgroupOf(record), record.cgroup.parent);
  ctx.store.remove(id);
  if (record && hasHooks(hooks, "poststop")) runHooksWarning("poststop", hooks, hookState(record, "stopped"), (m) => warn(ctx, m));
}

/** The init is not our child: poll /proc until it is gone or a zombie (its reaper is the caller's business). */
async function waitGone(record: RuntimeRecord): Promise<void> {
  const init = record.init!;
  const deadline = Date.now() + 10_000;
  while (processStartTime(init.pid) === init.startTime) {
    if (Date.now() > deadline) throw new RuntimeError(`container ${record.id} did not exit after SIGKILL`);
    await Bun.sleep(5);
  }
}
