// `create`: the container is set up completely (namespaces, cgroup, root, privileges) and its init waits
// right before execve on the exec FIFO until `start`. We spawn the init and exit: the init is then
// re-parented to the caller's subreaper (containerd's shim), which so observes the container's exit.
import { closeSync, openSync, readSync, writeFileSync, writeSync, constants } from "node:fs";
import { resolve } from "node:path";
import { writeFileAtomic } from "../state/atomic.ts";
import { spawnInit } from "../runtime/spawn.ts";
import { waitForExec, InitStartError } from "../runtime/start.ts";
import { execFifoFlag, holdFlag, hooksFlag, HOOKS_READY, NEW_KEYRING_FLAG, preservedFlag } from "../runtime/park-protocol.ts";
import { preservedFds } from "./preserve-fds.ts";
import { socketPair } from "../sys/tty.ts";
import { hasHooks, runHooks, type HookState } from "./hooks.ts";
import { makeFifo } from "../sys/fifo.ts";
import { O_CLOEXEC, pipe } from "../sys/fs.ts";
import { connectUnix } from "../sys/unix-socket.ts";
import { NAMESPACES, type NamespaceType } from "../sys/sched.ts";
import { identify } from "../container/liveness.ts";
import { CgroupError, openCgroupManager, type Cgroup } from "../cgroups/index.ts";
import { deviceRulesFromSpec } from "../cgroups/devices.ts";
import { cgroupName, loadBundleSpec, resourceLimits, type BundleSpec } from "./bundle-spec.ts";
import { checkId, type RuntimeRecord } from "./store.ts";
import { destroyCgroup } from "./status.ts";
import { RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";
import type { Subprocess } from "bun";

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** runc's --no-new-keyring: keep the caller's session keyring. */
  noNewKeyring?: boolean;
  /** runc's --preserve-fds: our fds 3..3+N-1 become the container process's. */
  preserveFds?: number;
}

export interface Created {
  record: RuntimeRecord;
  proc: Subprocess;
  /** Lets the init exec once started, while we are still its parent (foreground `run`); else our exit does. */
  release(): void;
}

export async function createContainer(ctx: RuntimeContext, opts: CreateOptions): Promise<Created> {
  const bundle = resolve(opts.bundle);
  const spec = loadBundleSpec(bundle); // runc reads the spec before it looks at the id
  checkId(opts.id);
  if (spec.process.terminal && !opts.consoleSocket) throw new RuntimeError("cannot allocate tty if runc will detach without setting console socket");
  if (!spec.process.terminal && opts.consoleSocket) throw new RuntimeError("cannot use console socket if runc will not detach or allocate tty");
  const limits = resourceLimits(spec);
  const preserved = preservedFds(opts.preserveFds ?? 0);
  const { parent, name } = cgroupName(spec.linux.cgroupsPath, opts.id, ctx.systemdCgroup);
  const dir = ctx.store.claim(opts.id);
  const fds: number[] = [];
  let cgroup: Cgroup | undefined;
  let proc: Subprocess | undefined;
  let hold: number | undefined;
  let hooksEnd: number | undefined; // our end of the hooks socket, until runRuntimeHooks closes it
  try {
    // The init reads the spec from here: root.path absolute, and the bundle may change after create.
    writeFileAtomic(`${dir}/config.json`, JSON.stringify(spec));
    const fifoPath = ctx.store.fifo(opts.id);
    makeFifo(fifoPath, 0o600);
    const fifoFd = openSync(fifoPath, constants.O_RDWR | O_CLOEXEC);
    fds.push(fifoFd);
    const consoleFd = opts.consoleSocket ? connectConsole(opts.consoleSocket) : undefined;
    if (consoleFd !== undefined) fds.push(consoleFd);
    const joins = joinedNamespaces(spec);
    fds.push(...joins.map((j) => j.fd));
    const [holdRead, holdWrite] = pipe();
    fds.push(holdRead);
    hold = holdWrite;
    const inherit = [{ fd: fifoFd, flag: execFifoFlag }, { fd: holdRead, flag: holdFlag }, ...preserved.map((fd) => ({ fd, flag: preservedFlag }))];
    // hooks: only a spec with create- or start-time hooks makes the init stop and wait for us.
    const hooksSocket = hasHooks(spec.hooks, "prestart", "createRuntime", "createContainer", "startContainer") ? socketPair() : undefined;
    if (hooksSocket) {
      fds.push(hooksSocket[1]);
      hooksEnd = hooksSocket[0];
      inherit.push({ fd: hooksSocket[1], flag: hooksFlag });
    }
    const init = spawnInit(dir, spec.linux.namespaces.map((n) => n.type), { stdin: "inherit", stdout: "inherit", stderr: "inherit" }, spec.process.terminal === true, joins, {
      consoleSocket: consoleFd,
      inherit,
      initFlags: opts.noNewKeyring ? [] : [NEW_KEYRING_FLAG],
    });
    proc = init.proc;
    if (hooksSocket) closeSync(fds.splice(fds.indexOf(hooksSocket[1]), 1)[0]!); // only the init's copy: its exit is our EOF
    const initProcess = identify(proc.pid);
    const record: RuntimeRecord = {
      ociVersion: spec.ociVersion, id: opts.id, init: initProcess, bundle, rootfs: spec.root.path, created: new Date().toISOString(),
      annotations: spec.annotations ?? {}, cgroup: { parent, name }, owner: "root",
      ...(opts.noNewKeyring ? { noNewKeyring: true } : {}),
    };
    // Durable before the init may go on: from here a killed create leaves a record `delete` can clean up.
    ctx.store.save(record);
    if (!initProcess) throw new RuntimeError("container init exited before it was released");
    try {
      cgroup = openCgroupManager().create(name, parent);
    } catch (e) {
      // Another container's delete may have removed the (then empty) default parent between our mkdirs.
      if (!(e instanceof CgroupError)) throw e;
      cgroup = openCgroupManager().create(name, parent);
    }
    const report = cgroup.apply(limits);
    for (const w of report.warnings) ctx.log("warning", w);
    const devices = cgroup.applyDefaultDevices(deviceRulesFromSpec(spec.linux.resources?.devices));
    cgroup.addProcess(proc.pid);
    if (spec.process.oomScoreAdj !== undefined) setOomScoreAdj(proc.pid, spec.process.oomScoreAdj);
    init.release(devices.enforced ? "go" : "go-without-device-cgroup");
    if (init.consoleSocket !== undefined) closeSync(init.consoleSocket);
    if (hooksEnd !== undefined) runRuntimeHooks(takeFd(), spec, { ociVersion: spec.ociVersion, id: opts.id, status: "creating", pid: proc.pid, bundle, annotations: record.annotations });
    await waitForExec(init.errorFd, proc); // EOF: the init is parked on the FIFO
    if (opts.pidFile) writeFileAtomic(resolve(opts.pidFile), String(proc.pid));
    const holdFd = hold;
    return { record, proc, release: () => closeSync(holdFd) };
  } catch (e) {
    if (proc && proc.exitCode === null) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
    await destroyCgroup(cgroup, parent);
    ctx.store.remove(opts.id);
    if (hold !== undefined) closeSync(hold);
    if (e instanceof InitStartError) throw new RuntimeError(e.message);
    throw e;
  } finally {
    for (const fd of fds) closeSync(fd);
    if (hooksEnd !== undefined) closeSync(hooksEnd);
  }

  function takeFd(): number {
    const fd = hooksEnd!;
    hooksEnd = undefined;
    return fd;
  }
}

/**
 * Waits until the init has made its mounts (it says so on the hooks socket; EOF means it failed, and
 * waitForExec reports why), runs prestart then createRuntime hooks here, in the runtime's namespaces, and
 * hands the init the state for its own createContainer and startContainer hooks.
 */
function runRuntimeHooks(socket: number, spec: BundleSpec, state: HookState): void {
  try {
    const buf = Buffer.alloc(1);
    if (readSync(socket, buf) === 0 || buf.toString() !== HOOKS_READY) return;
    runHooks("prestart", spec.hooks, state);
    runHooks("createRuntime", spec.hooks, state);
    writeSync(socket, JSON.stringify(state));
  } finally {
    closeSync(socket); // EOF: the init goes on (or, without the state, gives up)
  }
}

function setOomScoreAdj(pid: number, value: number): void {
  try {
    writeFileSync(`/proc/${pid}/oom_score_adj`, String(value));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") throw e;
    throw new RuntimeError(`config.json: process.oomScoreAdj ${value}: ${code} (a value below the caller's own needs CAP_SYS_RESOURCE)`);
  }
}

function connectConsole(path: string): number {
  try {
    return connectUnix(path);
  } catch (e) {
    throw new RuntimeError(`failed to connect to console socket ${path}: ${(e as Error).message}`);
  }
}

/** linux.namespaces entries with a path are joined: opened here, checked to be that namespace type. */
function joinedNamespaces(spec: BundleSpec): { ns: NamespaceType; fd: number }[] {
  const joins: { ns: NamespaceType; fd: number }[] = [];
  try {
    for (const n of spec.linux.namespaces) {
      if (!n.path) continue;
      let fd: number;
      try {
        fd = openSync(n.path, constants.O_RDONLY | O_CLOEXEC);
      } catch (e) {
        throw new RuntimeError(`config.json: linux.namespaces[${n.type}].path ${n.path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
      joins.push({ ns: n.type, fd });
      void NAMESPACES[n.type]; // the type was checked by loadBundleSpec; setns checks the fd's kind
    }
    return joins;
  } catch (e) {
    for (const j of joins) closeSync(j.fd);
    throw e;
  }
}
