// Starting a created container from whichever process will be its parent (the foreground CLI, or the
// monitor for detached containers): spawn the init, let it go, wait until the command runs.
import { emitContainerEvent, emitVolumeMounts } from "../events/emit.ts"; // compat-sys: events
import { mountInfoOfSpec } from "../volume/mount-info.ts"; // compat-sys: events
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { Spec } from "../oci/spec.ts";
import { spawnInit, type InitStdio } from "../runtime/spawn.ts";
import { waitForExec, InitStartError } from "../runtime/start.ts";
import { receiveFd } from "../sys/tty.ts";
import { closeFd } from "../sys/fs.ts";
import { trace } from "../trace.ts";
import { identify } from "./liveness.ts";
import { placeInCgroup, removeCgroup, type Placed } from "./cgroup.ts";
import type { Cgroup } from "../cgroups/index.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";
import { prefetchRelease, releaseNetwork, setUpNetwork } from "../network/release.ts";
import { requestFromAnnotations } from "../network/request.ts"; // dns-wire
import { openJoinedNamespaces } from "./namespace-joins.ts";
import { deviceRulesFromSpec } from "../cgroups/devices.ts";
import { ContainerLock } from "./lock.ts";
import { currentState } from "./status.ts";
import { UserError } from "../errors.ts";

export interface Launched {
  proc: Subprocess;
  cgroup: Cgroup;
  /** Limits the host could not apply (no swap accounting, …), in Docker's words. */
  warnings: string[];
  /** The pty master, when the container has a terminal; the caller owns it. */
  master?: number;
}

/** Called before the command can run, so that nothing it does (output, an early signal) is missed. */
export interface LaunchHooks {
  spawned?(proc: Subprocess): void;
  /** The pty master, as soon as the init sent it; ownership stays with the caller of launchContainer. */
  console?(master: number): void;
}

/**
 * Under the container's lock, so that of concurrent starts exactly one launches an init: the record is
 * read fresh, and the init's identity (and ours, its parent) is on disk before the init may execve.
 */
export async function launchContainer(store: ContainerStore, record: ContainerRecord, stdio: InitStdio, hooks: LaunchHooks = {}): Promise<Launched> {
  const lock = await ContainerLock.acquireIn(store.dir(record.id), record.id);
  try {
    takeFresh(store, record);
    if (currentState(record).running) throw new UserError(`container ${record.name} is already running`, 1);
    return await launchLocked(store, record, stdio, hooks);
  } finally {
    lock.release();
  }
}

/** The record on disk wins (a rename, update or stop may have changed it), except our restart count. */
function takeFresh(store: ContainerStore, record: ContainerRecord): void {
  const restartCount = record.state.restartCount;
  Object.assign(record, store.load(record.id));
  if (restartCount !== undefined && restartCount > (record.state.restartCount ?? 0)) record.state.restartCount = restartCount;
}

async function launchLocked(store: ContainerStore, record: ContainerRecord, stdio: InitStdio, hooks: LaunchHooks): Promise<Launched> {
  const bundle = store.dir(record.id);
  const spec = (await Bun.file(join(bundle, "config.json")).json()) as Spec;
  // hardening-flags: --pid/--ipc container:X are entered through fds checked right before use.
  const joins = openJoinedNamespaces(store, spec);
  let init: ReturnType<typeof spawnInit>;
  try {
    init = spawnInit(bundle, spec.linux.namespaces.map((n) => n.type), stdio, spec.process.terminal === true, joins);
  } finally {
    for (const { fd } of joins) closeFd(fd);
  }
  trace("launch: init spawned");
  hooks.spawned?.(init.proc);
  let master: number | undefined;
  let placed: Placed | undefined;
  const before = record.state;
  let dnsWarnings: string[] = []; // dns-wire
  try {
    placed = placeInCgroup(record, init.proc.pid, deviceRulesFromSpec(spec.linux.resources?.devices));
    trace("launch: cgroup placed");
    // net-core: veth, IP, routes and rules while the init waits, so the command starts with its network.
    const endpoint = await setUpNetwork(store, record, init.proc.pid, spec);
    trace("launch: network set up");
    // dns-wire: on a user network, its DNS server must answer before the command can ask it anything.
    if (endpoint && requestFromAnnotations(spec.annotations).mode === "user") {
      dnsWarnings = await startNetworkDns();
      trace("launch: network DNS ready");
    }
    // Durable before the command can run: a kill -9 of this process from here on leaves a record that
    // says which process runs (status is derived from it), and that its parent is gone.
    const initProcess = identify(init.proc.pid);
    if (!initProcess) throw new InitStartError("failed to start container: its init exited before it was released");
    record.state = {
      ...record.state, status: "running", process: initProcess, parent: identify(process.pid), startedAt: new Date().toISOString(),
      exitCode: undefined, finishedAt: undefined, error: undefined, oomKilled: undefined, stoppedByUser: undefined, paused: undefined,
    };
    store.save(record);
    trace("launch: recorded");
    init.release(placed.devicesEnforced ? "go" : "go-without-device-cgroup");
    if (init.consoleSocket !== undefined) {
      master = await receiveConsole(init.consoleSocket, init.errorFd, init.proc);
      hooks.console?.(master);
    }
    await waitForExec(init.errorFd, init.proc);
  } catch (e) {
    if (master !== undefined && !hooks.console) closeFd(master);
    if (init.proc.exitCode === null) init.proc.kill("SIGKILL");
    await init.proc.exited;
    if (placed) await removeCgroup(record, placed.cgroup);
    await releaseNetwork(store, record.id); // net-core
    record.state = { ...before, status: "created", error: e instanceof Error ? e.message : String(e), process: undefined, parent: undefined };
    if (e instanceof InitStartError) record.state.exitCode = e.exitCode;
    store.save(record);
    throw e;
  }
  trace("launch: command exec'd");
  prefetchRelease(spec);
  emitVolumeMounts(store.root, record.id, mountInfoOfSpec(spec), "mount"); // compat-sys: events
  emitContainerEvent(store.root, record, "start"); // compat-sys: events
  return { proc: init.proc, master, cgroup: placed.cgroup, warnings: [...placed.warnings, ...dnsWarnings] };
}

/** dns-wire: a monitor that cannot be reached costs name resolution (a warning), not the container. */
async function startNetworkDns(): Promise<string[]> {
  const { refreshNetworkDns } = await import("../monitor/dns.ts");
  try {
    return await refreshNetworkDns();
  } catch (e) {
    if (e instanceof UserError) return [e.message];
    throw e;
  }
}

/** The init sends the pty master before it execs; if it fails first, its error says why. */
async function receiveConsole(socket: number, errorFd: number, proc: Subprocess): Promise<number> {
  try {
    return receiveFd(socket);
  } catch (e) {
    await waitForExec(errorFd, proc); // throws the init's own error when it has one
    throw e;
  } finally {
    closeFd(socket);
  }
}
