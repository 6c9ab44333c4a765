// `minibox exec`: a process started inside a running container. This (short-lived) CLI process joins the
// container's namespaces on its main thread only long enough to spawn the exec-init (runtime/join.ts),
// moves it into the container's cgroup, hands it the request, and then relays signals and the terminal
// and waits for the command, whose exit code becomes ours. The exec-init (init/exec-main.ts) becomes the
// command through execve, so no minibox process stays in the container's PID namespace.
import { emitContainerEvent } from "../events/emit.ts"; // compat-sys: events
import { closeSync, readFileSync, writeSync } from "node:fs";
import { FORWARDED_SIGNALS, signalNumber } from "./signals.ts";
import type { Subprocess } from "bun";
import type { Spec } from "../oci/spec.ts";
import { EXIT, UserError } from "../errors.ts";
import { pipe, closeFd } from "../sys/fs.ts";
import { kill } from "../sys/proc.ts";
import { socketPair, receiveFd } from "../sys/tty.ts";
import { openNamespaces, closeNamespaces, spawnJoined, mountNamespaceFd } from "../runtime/join.ts";
import { selfCommand } from "../runtime/spawn.ts";
import type { InitFailure } from "../runtime/protocol.ts";
import { attachTerminal } from "../runtime/terminal.ts";
import { findContainer } from "./lookup.ts";
import { currentState } from "./status.ts";
import { isAlive } from "./liveness.ts";
import { openContainerCgroup } from "./cgroup.ts";
import { exitStatus } from "./finish.ts";
import { buildExecRequest, type ExecOptions } from "./exec-request.ts";
import { readSeccompProgramFile } from "../seccomp/program-file.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";

export type { ExecOptions } from "./exec-request.ts";


/** Docker exits 1 when the container is not running. */
export class ContainerNotRunningError extends UserError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** The exec-init could not run the command (Docker's wording; 127 not found, 126 cannot execute). */
export class ExecStartError extends UserError {}

/** Runs the command; resolves to its exit code (128+N after signal N), or 0 at once with `detach`. */
export async function execInContainer(store: ContainerStore, opts: ExecOptions): Promise<number> {
  const record = findContainer(store, opts.container);
  const pid = runningPid(record);
  const execId = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex"); // compat-sys: events
  const spec = JSON.parse(readFileSync(`${store.dir(record.id)}/config.json`, "utf8")) as Spec;
  const request = buildExecRequest(spec, opts);
  if (request.seccomp) request.seccompProgramFile = encodeBase64(readSeccompProgramFile(store.dir(record.id)));

  const namespaces = openNamespaces(pid);
  let child: Spawned;
  try {
    // The fds are only trusted if the pid was still the container's init after they were opened.
    if (!isAlive(record.state.process)) throw new ContainerNotRunningError(`Container ${record.id} is not running`);
    child = spawnExecInit(namespaces, opts);
  } finally {
    closeNamespaces(namespaces);
  }

  // Forwarding starts before the command can run: a signal that arrives as it starts must reach it, not
  // end this process and leave the command behind.
  const stopForwarding = opts.detach ? () => {} : forwardSignals(child.proc.pid);
  let master: number | undefined;
  let startOpen = true;
  try {
    try {
      // Into the container's cgroup before the command may run, so that nothing it starts escapes limits.
      openContainerCgroup(record)?.addProcess(child.proc.pid);
      // The whole request, then EOF: that is the go (runtime/exec-protocol.ts).
      try { writeSync(child.startFd, JSON.stringify(request)); } finally { closeSync(child.startFd); startOpen = false; }
      if (child.consoleSocket !== undefined) master = await receiveConsole(child);
      await waitForCommand(child);
      execEvents(store.root, record, opts.command, execId); // compat-sys: events
    } catch (e) {
      if (master !== undefined) closeFd(master);
      if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
      await child.proc.exited;
      if (startOpen) closeSync(child.startFd);
      throw e;
    }
    if (opts.detach) {
      if (master !== undefined) closeFd(master);
      child.proc.unref(); // once we exit, it is reparented to the container's init
      return 0;
    }
    const exitCode = await relay(child.proc, master, opts.interactive);
    emitContainerEvent(store.root, record, "exec_die", { execID: execId, exitCode: String(exitCode) }); // compat-sys: events
    return exitCode;
  } finally {
    stopForwarding();
  }
}

function runningPid(record: ContainerRecord): number {
  const state = currentState(record);
  if (!state.running || state.pid === undefined) throw new ContainerNotRunningError(`Container ${record.id} is not running`);
  if (state.status === "paused") throw new ContainerNotRunningError(`Container ${record.id} is paused, unpause the container before exec`);
  return state.pid;
}

interface Spawned {
  proc: Subprocess;
  errorFd: number;
  startFd: number;
  consoleSocket?: number;
}

function spawnExecInit(namespaces: ReturnType<typeof openNamespaces>, opts: ExecOptions): Spawned {
  const [errorRead, errorWrite] = pipe();
  const [startRead, startWrite] = pipe();
  const console = opts.tty ? socketPair() : undefined;
  const extra = [errorWrite, startRead, mountNamespaceFd(namespaces), ...(console ? [console[1]] : [])];
  const stdin = opts.interactive && !opts.detach && !opts.tty ? "inherit" : "ignore";
  const output = opts.detach || opts.tty ? "ignore" : "inherit";
  try {
    const proc = spawnJoined(namespaces, selfCommand("exec-init"), [stdin, output, output, ...extra], {
      MINIBOX_DEBUG: process.env.MINIBOX_DEBUG ?? "", MINIBOX_TRACE: process.env.MINIBOX_TRACE ?? "",
    });
    return { proc, errorFd: errorRead, startFd: startWrite, consoleSocket: console?.[0] };
  } catch (e) {
    for (const fd of [errorRead, startWrite, ...(console ? [console[0]] : [])]) closeFd(fd);
    throw e;
  } finally {
    closeFd(errorWrite);
    closeFd(startRead);
    if (console) closeFd(console[1]);
  }
}

/** EOF on the error pipe: the command was exec'd. Anything else is the exec-init's InitFailure. */
async function waitForCommand(child: Spawned): Promise<void> {
  let text: string;
  try {
    text = await Bun.file(child.errorFd).text();
  } finally {
    closeFd(child.errorFd);
  }
  if (text === "") return;
  await child.proc.exited;
  let failure: InitFailure;
  try {
    failure = JSON.parse(text) as InitFailure;
  } catch {
    failure = { exitCode: EXIT.ENGINE, message: text.trim() };
  }
  const code = failure.exitCode === EXIT.NOT_FOUND ? EXIT.NOT_FOUND : failure.exitCode === EXIT.ENGINE ? EXIT.ENGINE : EXIT.CANNOT_EXECUTE;
  throw new ExecStartError(`OCI runtime exec failed: exec failed: unable to start container process: ${failure.message}: unknown`, code);
}

/** The exec-init sends the pty master before it execs; if it fails first, its error says why. */
async function receiveConsole(child: Spawned): Promise<number> {
  try {
    return receiveFd(child.consoleSocket!);
  } catch (e) {
    await waitForCommand(child); // throws the exec-init's own error when it has one
    throw e;
  } finally {
    closeFd(child.consoleSocket!);
  }
}

function forwardSignals(pid: number): () => void {
  const forward = (signal: NodeJS.Signals) => {
    try { kill(pid, signalNumber(signal)); } catch { /* already gone */ }
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  return () => { for (const s of FORWARDED_SIGNALS) process.off(s, forward); };
}

async function relay(proc: Subprocess, master: number | undefined, interactive: boolean): Promise<number> {
  const terminal = master === undefined ? undefined : attachTerminal(master, { stdin: interactive });
  try {
    await proc.exited;
    await terminal?.done;
    return exitStatus(proc);
  } finally {
    terminal?.detach();
    if (master !== undefined) closeFd(master);
  }
}

function encodeBase64(bytes: Uint8Array | undefined): string | undefined {
  return bytes && Buffer.from(bytes).toString("base64");
}

// compat-sys: Docker's exec events carry the command in their action ("exec_start: sh -c …").
function execEvents(root: string, record: ContainerRecord, command: readonly string[], execId: string): void {
  const line = command.join(" ");
  emitContainerEvent(root, record, `exec_create: ${line}`, { execID: execId });
  emitContainerEvent(root, record, `exec_start: ${line}`, { execID: execId });
}
