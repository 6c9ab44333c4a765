// Starting a created container from whichever process will be its parent (the foreground CLI, or the
// monitor for detached containers): spawn the init, let it go, wait until the command runs.
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
import { releaseNetwork, setUpNetwork } from "../network/release.ts";

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

export async function launchContainer(store: ContainerStore, record: ContainerRecord, stdio: InitStdio, hooks: LaunchHooks = {}): Promise<Launched> {
  const bundle = store.dir(record.id);
  const spec = (await Bun.file(join(bundle, "config.json")).json()) as Spec;
  const init = spawnInit(bundle, spec.linux.namespaces.map((n) => n.type), stdio, spec.process.terminal === true);
  trace("launch: init spawned");
  hooks.spawned?.(init.proc);
  let master: number | undefined;
  let placed: Placed | undefined;
  try {
    placed = placeInCgroup(record, init.proc.pid);
    trace("launch: cgroup placed");
    // net-core: veth, IP, routes and rules while the init waits, so the command starts with its network.
    await setUpNetwork(store, record, init.proc.pid, spec.annotations);
    trace("launch: network set up");
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
    record.state = { ...record.state, status: "created", error: e instanceof Error ? e.message : String(e), process: undefined };
    if (e instanceof InitStartError) record.state.exitCode = e.exitCode;
    store.save(record);
    throw e;
  }
  trace("launch: command exec'd");
  record.state = {
    ...record.state, status: "running", process: identify(init.proc.pid), startedAt: new Date().toISOString(),
    exitCode: undefined, finishedAt: undefined, error: undefined, oomKilled: undefined, stoppedByUser: undefined,
  };
  store.save(record);
  return { proc: init.proc, master, cgroup: placed.cgroup, warnings: placed.warnings };
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
