// Watching one detached container: its output into the json-file log, its exit into its record, and
// its restart policy applied.
import type { Subprocess } from "bun";
import { launchContainer, type Launched } from "../container/launch.ts";
import { finishContainer } from "../container/finish.ts";
import type { ContainerRecord, ContainerStore } from "../container/store.ts";
import { JsonFileLog, logPath, type Stream } from "../logs/json-file.ts";
import { readMaster } from "../runtime/terminal.ts";
import { closeFd } from "../sys/fs.ts";
import { removeWithAnonymousVolumes } from "../volume/cleanup.ts"; // volumes

export interface Supervised { id: string; done: Promise<void> }

const RESET_BACKOFF_AFTER_MS = 10_000;

/** Starts the container and returns once its command runs; `done` settles after its final exit. */
export async function supervise(store: ContainerStore, id: string): Promise<{ launched: Launched; supervised: Supervised }> {
  const record = store.load(id);
  const log = new JsonFileLog(logPath(store.dir(id), id));
  let launched: Launched;
  try {
    launched = await start(store, record);
  } catch (e) {
    log.close();
    throw e;
  }
  const done = watch(store, record, log, launched);
  return { launched, supervised: { id, done } };
}

function start(store: ContainerStore, record: ContainerRecord): Promise<Launched> {
  return launchContainer(store, record, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
}

async function watch(store: ContainerStore, record: ContainerRecord, log: JsonFileLog, first: Launched): Promise<void> {
  let current = first;
  let backoff = 100;
  for (;;) {
    const startedAt = Date.now();
    await Promise.all([drain(current, log), current.proc.exited]);
    log.flush();
    const exitCode = await finishContainer(store, record, current.proc, current.cgroup);
    if (!shouldRestart(store, record, exitCode)) break;
    backoff = Date.now() - startedAt > RESET_BACKOFF_AFTER_MS ? 100 : Math.min(backoff * 2, 60_000);
    await Bun.sleep(backoff);
    if (!shouldRestart(store, record, exitCode)) break; // stopped or removed while we waited
    record.state.restartCount = (record.state.restartCount ?? 0) + 1;
    try {
      current = await start(store, record);
    } catch {
      break; // the record says why (launch saved the error)
    }
  }
  log.close();
  if (record.autoRemove) removeWithAnonymousVolumes(store, record); // volumes: --rm takes the anonymous volumes too (Docker)
}

function shouldRestart(store: ContainerStore, record: ContainerRecord, exitCode: number): boolean {
  let latest: ContainerRecord;
  try { latest = store.load(record.id); } catch { return false; }
  if (latest.state.stoppedByUser) return false;
  const policy = latest.restartPolicy;
  if (!policy || policy.name === "no") return false;
  if (policy.name === "on-failure") {
    return exitCode !== 0 && (policy.maximumRetryCount === 0 || (latest.state.restartCount ?? 0) < policy.maximumRetryCount);
  }
  return true;
}

/** Copies the container's output into the log until both streams (or the terminal) end. */
async function drain(launched: Launched, log: JsonFileLog): Promise<void> {
  if (launched.master !== undefined) {
    const master = launched.master;
    const reader = readMaster(master, (chunk) => log.write("stdout", chunk));
    await reader.done;
    closeFd(master);
    return;
  }
  const proc = launched.proc as Subprocess<"ignore", "pipe", "pipe">;
  await Promise.all([pump(proc.stdout, "stdout", log), pump(proc.stderr, "stderr", log)]);
}

async function pump(stream: ReadableStream<Uint8Array>, name: Stream, log: JsonFileLog): Promise<void> {
  for await (const chunk of stream) log.write(name, chunk);
}
