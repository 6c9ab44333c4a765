// `exec`: a process inside a running container, through the engine's exec-init (init/exec-main.ts):
// spawned in the container's namespaces, moved into its cgroup, handed the request, then it execs. With
// -d we leave at once and the process is re-parented to the caller's subreaper (containerd's shim).
import { closeSync, readFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import type { Process, Spec } from "../oci/spec.ts";
import type { ExecRequest } from "../runtime/exec-protocol.ts";
import { openNamespaces, closeNamespaces, spawnJoined, mountNamespaceFd } from "../runtime/join.ts";
import { selfCommand } from "../runtime/spawn.ts";
import { waitForExec, InitStartError } from "../runtime/start.ts";
import { pipe, closeFd } from "../sys/fs.ts";
import { connectUnix } from "../sys/unix-socket.ts";
import { isAlive } from "../container/liveness.ts";
import { writeFileAtomic } from "../state/atomic.ts";
import { cgroupOf, statusOf } from "./status.ts";
import { RuntimeError } from "./errors.ts";
import type { RuntimeContext } from "./context.ts";
import { exitCodeOf } from "./exit-code.ts";
import { normalizeCapabilities } from "./bundle-spec.ts";
import { holdFlag, NEW_KEYRING_FLAG, preservedFlag } from "../runtime/park-protocol.ts";
import { preservedFds } from "./preserve-fds.ts";

export interface RuntimeExecOptions {
  id: string;
  /** OCI process JSON (-p); otherwise built from the container's process and the flags below. */
  processFile?: string;
  args: string[];
  cwd?: string;
  env: string[];
  tty: boolean;
  user?: string;
  caps: string[];
  additionalGids: string[];
  noNewPrivs: boolean;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  /** runc's --preserve-fds. */
  preserveFds?: number;
}

type OciProcess = Process & { user?: { uid: number; gid: number; additionalGids?: number[] } };

export async function execInRuntimeContainer(ctx: RuntimeContext, opts: RuntimeExecOptions): Promise<number> {
  const record = ctx.store.load(opts.id);
  const status = statusOf(ctx.store, record);
  if (status === "stopped") throw new RuntimeError("cannot exec in a stopped container");
  if (status === "paused") throw new RuntimeError("cannot exec in a paused container");
  if (status !== "running" && status !== "created") throw new RuntimeError("cannot exec in a stopped container");
  const spec = JSON.parse(readFileSync(`${ctx.store.dir(opts.id)}/config.json`, "utf8")) as Spec;
  const proc = processOf(spec, opts);
  if (proc.terminal && !opts.consoleSocket) throw new RuntimeError("cannot allocate tty if runc will detach without setting console socket");
  const request: ExecRequest = {
    process: { args: proc.args, env: proc.env ?? [], cwd: proc.cwd ?? "/", terminal: proc.terminal, capabilities: proc.capabilities, rlimits: proc.rlimits, noNewPrivileges: proc.noNewPrivileges },
    user: `${proc.user?.uid ?? 0}:${proc.user?.gid ?? 0}`,
    ...(proc.user?.additionalGids?.length ? { groupAdd: proc.user.additionalGids.map(String) } : {}),
    ...(spec.linux.seccomp ? { seccomp: spec.linux.seccomp } : {}),
  };

  const preserved = preservedFds(opts.preserveFds ?? 0);
  const fds: number[] = [];
  const namespaces = openNamespaces(record!.init!.pid);
  const [errorRead, errorWrite] = pipe();
  const [startRead, startWrite] = pipe();
  let child;
  try {
    // The namespace fds are only trusted if the pid was still the container's init after they were opened.
    if (!isAlive(record!.init)) throw new RuntimeError("cannot exec in a stopped container");
    const extra = [errorWrite, startRead, mountNamespaceFd(namespaces)];
    if (proc.terminal) {
      const socket = connectUnix(resolve(opts.consoleSocket!));
      fds.push(socket);
      extra.push(socket);
    }
    // -d: the command may run only once we exit (init/park.ts, the hold pipe): we must not reap it.
    // As the container's init: a session keyring of its own, never the caller's (unless create --no-new-keyring).
    const initArgs: string[] = record!.noNewKeyring ? [] : [NEW_KEYRING_FLAG];
    if (opts.detach) {
      const [holdRead, holdWrite] = pipe();
      fds.push(holdRead);
      initArgs.push(holdFlag(3 + extra.length));
      extra.push(holdRead);
      void holdWrite; // kept open until this process exits
    }
    for (const fd of preserved) {
      initArgs.push(preservedFlag(3 + extra.length));
      extra.push(fd);
    }
    child = spawnJoined(namespaces, selfCommand("exec-init", ...initArgs), ["inherit", "inherit", "inherit", ...extra], {
      MINIBOX_DEBUG: process.env.MINIBOX_DEBUG ?? "", MINIBOX_TRACE: process.env.MINIBOX_TRACE ?? "",
    });
  } catch (e) {
    closeFd(errorRead);
    closeFd(startWrite);
    throw e;
  } finally {
    closeNamespaces(namespaces);
    closeFd(errorWrite);
    closeFd(startRead);
    for (const fd of fds) closeFd(fd);
  }
  try {
    try {
      cgroupOf(record!)?.addProcess(child.pid);
      writeSync(startWrite, JSON.stringify(request));
    } finally {
      closeSync(startWrite);
    }
    await waitForExec(errorRead, child);
  } catch (e) {
    if (child.exitCode === null) child.kill("SIGKILL");
    await child.exited;
    if (e instanceof InitStartError) throw new RuntimeError(e.message, 255);
    throw e;
  }
  if (opts.pidFile) writeFileAtomic(resolve(opts.pidFile), String(child.pid));
  if (opts.detach) {
    child.unref();
    return 0;
  }
  return await exitCodeOf(child);
}

function processOf(spec: Spec, opts: RuntimeExecOptions): OciProcess {
  if (opts.processFile) {
    let p: OciProcess;
    try {
      p = JSON.parse(readFileSync(resolve(opts.processFile), "utf8")) as OciProcess;
    } catch (e) {
      throw new RuntimeError(`unable to read process file ${opts.processFile}: ${(e as Error).message}`);
    }
    if (!Array.isArray(p.args) || p.args.length === 0) throw new RuntimeError("args must not be empty");
    normalizeCapabilities(p);
    return p;
  }
  if (opts.args.length === 0) throw new RuntimeError("exec args cannot be empty");
  const base = spec.process as OciProcess;
  const p: OciProcess = { ...base, args: opts.args, env: [...base.env, ...opts.env], terminal: opts.tty };
  if (opts.cwd) p.cwd = opts.cwd;
  if (opts.user) {
    const [uid, gid] = opts.user.split(":");
    if (!/^[0-9]+$/.test(uid ?? "") || (gid !== undefined && !/^[0-9]+$/.test(gid))) throw new RuntimeError(`invalid user: ${opts.user} (uid[:gid] as numbers)`);
    p.user = { uid: Number(uid), gid: gid === undefined ? 0 : Number(gid) };
  }
  if (opts.additionalGids.length) {
    if (!opts.additionalGids.every((g) => /^[0-9]+$/.test(g))) throw new RuntimeError(`invalid additional-gids: ${opts.additionalGids.join(",")}`);
    p.user = { ...(p.user ?? { uid: 0, gid: 0 }), additionalGids: opts.additionalGids.map(Number) };
  }
  if (opts.noNewPrivs) p.noNewPrivileges = true;
  if (opts.caps.length && p.capabilities) {
    const c = p.capabilities;
    p.capabilities = { bounding: [...c.bounding, ...opts.caps], effective: [...c.effective, ...opts.caps], permitted: [...c.permitted, ...opts.caps], inheritable: [...c.inheritable, ...opts.caps], ambient: [...c.ambient, ...opts.caps] };
  }
  return p;
}

