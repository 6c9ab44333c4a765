// `minibox run` in the foreground: image → container dir → spec → init → wait → teardown.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { constants as os } from "node:os";
import type { Subprocess } from "bun";
import { ImageStore, storeRoot } from "../image/store.ts";
import { buildSpec } from "../oci/from-image.ts";
import { spawnInit } from "../runtime/spawn.ts";
import { waitForExec, InitStartError } from "../runtime/start.ts";
import { attachTerminal } from "../runtime/terminal.ts";
import { receiveFd } from "../sys/tty.ts";
import { kill } from "../sys/proc.ts";
import { closeFd } from "../sys/fs.ts";
import { EXIT } from "../errors.ts";
import { trace } from "../trace.ts";
import type { CreateOptions } from "./options.ts";
import { validateName, validateHostname } from "./options.ts";
import { ContainerStore, type ContainerRecord } from "./store.ts";
import { newContainerId, randomName } from "./names.ts";
import { writeEtcFiles } from "./etc-files.ts";

const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

export async function runContainer(opts: CreateOptions): Promise<number> {
  const root = storeRoot();
  trace("run: options parsed");
  const image = await new ImageStore(root).resolve(opts.image);
  trace("run: image resolved");
  const containers = new ContainerStore(root);
  const id = newContainerId();
  const name = opts.name !== undefined ? validateName(opts.name) : randomName();
  const hostname = opts.hostname !== undefined ? validateHostname(opts.hostname) : id.slice(0, 12);

  containers.claimName(name, id);
  const record: ContainerRecord = {
    id, name, image: image.id, imageName: opts.image, command: opts.command, created: new Date().toISOString(),
    autoRemove: opts.autoRemove, state: { status: "created" },
  };
  let dir: string;
  try {
    dir = containers.create(record);
  } catch (e) {
    containers.releaseName(name);
    throw e;
  }
  try {
    const spec = buildSpec(image.config.config ?? {}, opts, hostname, {
      rootfs: join(dir, "rootfs"), upperdir: join(dir, "upper"), workdir: join(dir, "work"),
      layers: image.layers.map((l) => l.path), ...writeEtcFiles(dir, hostname),
    });
    writeFileSync(join(dir, "config.json"), JSON.stringify(spec, null, 2));
    trace("run: bundle written");
    return await start(record, containers, dir, spec.linux.namespaces.map((n) => n.type), opts);
  } catch (e) {
    if (e instanceof InitStartError) {
      record.state = { status: "created", error: e.message, exitCode: e.exitCode };
      if (!opts.autoRemove) containers.save(record);
    }
    throw e;
  } finally {
    if (opts.autoRemove) containers.remove(record);
    trace("run: cleaned up");
  }
}

async function start(record: ContainerRecord, containers: ContainerStore, bundle: string, namespaces: Parameters<typeof spawnInit>[1], opts: CreateOptions): Promise<number> {
  const init = spawnInit(bundle, namespaces, { stdin: opts.interactive ? "inherit" : "ignore", stdout: "inherit", stderr: "inherit" }, opts.tty);
  const forward = (signal: NodeJS.Signals) => {
    try { kill(init.proc.pid, os.signals[signal]); } catch { /* already gone */ }
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  let terminal: ReturnType<typeof attachTerminal> | undefined;
  let master: number | undefined;
  try {
    if (init.consoleSocket !== undefined) {
      master = await receiveConsole(init.consoleSocket, init.errorFd, init.proc);
      terminal = attachTerminal(master, { stdin: opts.interactive });
    }
    trace("run: init spawned");
    await waitForExec(init.errorFd, init.proc);
    trace("run: command exec'd");
    record.state = { status: "running", pid: init.proc.pid, startedAt: new Date().toISOString() };
    if (!opts.autoRemove) containers.save(record);

    await init.proc.exited;
    trace("run: container exited");
    await terminal?.done;
    const code = exitStatus(init.proc);
    record.state = { ...record.state, status: "exited", exitCode: code, finishedAt: new Date().toISOString() };
    if (!opts.autoRemove) containers.save(record);
    return code;
  } finally {
    terminal?.detach();
    if (master !== undefined) closeFd(master);
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    if (init.proc.exitCode === null && init.proc.signalCode === null) {
      try { init.proc.kill("SIGKILL"); } catch { /* gone */ }
      await init.proc.exited;
    }
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

/** Docker's convention: the command's own code, or 128+N when signal N killed it. */
function exitStatus(proc: Subprocess): number {
  const signal = proc.signalCode;
  if (signal !== null && signal !== undefined) return 128 + (typeof signal === "number" ? signal : os.signals[signal as NodeJS.Signals]);
  return proc.exitCode ?? EXIT.ENGINE;
}
