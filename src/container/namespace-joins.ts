// --pid/--ipc container:X. At create the donor must exist and run (its init's pid goes into the spec's
// namespace path); at every start the namespace is opened again from the donor's *current* record and
// only trusted once the donor's init is confirmed, after the open, to still be the same process (start
// time): a recycled pid then cannot hand us a stranger's namespace.
import { closeSync, openSync, readFileSync, constants } from "node:fs";
import { join } from "node:path";
import { UserError } from "../errors.ts";
import { O_CLOEXEC } from "../sys/fs.ts";
import { NAMESPACES, type NamespaceType } from "../sys/sched.ts";
import type { Spec } from "../oci/spec.ts";
import { readDonors, readHostConfig } from "../oci/hardening.ts";
import { findContainer, NoSuchContainerError } from "./lookup.ts";
import { isAlive } from "./liveness.ts";
import { currentState } from "./status.ts";
import { namespaceDonors, type HardeningOptions, type NamespaceDonor } from "./hardening-options.ts";
import type { ContainerRecord, ContainerStore } from "./store.ts";

type Joinable = "pid" | "ipc" | "network"; // network: net-core's --network container:X
const LABEL: Record<Joinable, string> = { pid: "PID", ipc: "IPC", network: "network" };

/** The donors of container:X modes, resolved and checked; undefined when there are none. */
export function resolveDonors(store: ContainerStore, h: HardeningOptions): HardeningOptions["joins"] {
  const refs = namespaceDonors(h);
  const joins: NonNullable<HardeningOptions["joins"]> = {};
  for (const ns of ["pid", "ipc"] as const) {
    const ref = refs[ns];
    if (ref === undefined) continue;
    let record: ContainerRecord;
    try {
      record = findContainer(store, ref);
    } catch (e) {
      // Docker's daemon error, which `run` reports with 125.
      if (e instanceof NoSuchContainerError) throw new UserError(`No such container: ${ref}`);
      throw e;
    }
    if (ns === "ipc") checkShareable(store, record);
    joins[ns] = donorOf(record, ns);
  }
  return joins.pid || joins.ipc ? joins : undefined;
}

/** Docker lets others join only an IPC namespace made "shareable" (or the host's). */
function checkShareable(store: ContainerStore, record: ContainerRecord): void {
  const spec = JSON.parse(readFileSync(join(store.dir(record.id), "config.json"), "utf8")) as Spec;
  const mode = readHostConfig(spec).IpcMode;
  if (mode !== "shareable" && mode !== "host") throw new UserError("non-shareable IPC (hint: use IpcMode:shareable for the donor container)");
}

export function donorOf(record: ContainerRecord, ns: Joinable): NamespaceDonor {
  const state = currentState(record);
  if (!state.running || state.pid === undefined) throw new UserError(`cannot join ${LABEL[ns]} of a non running container: ${record.id}`);
  return { id: record.id, pid: state.pid };
}

export interface JoinFd { ns: NamespaceType; fd: number }

/** Opens the namespaces the spec joins (fds for spawnInit); the caller closes them. */
export function openJoinedNamespaces(store: ContainerStore, spec: Spec): JoinFd[] {
  const donors = readDonors(spec);
  const opened: JoinFd[] = [];
  try {
    for (const n of spec.linux.namespaces) {
      if (!n.path) continue;
      const donorId = n.type === "pid" || n.type === "ipc" || n.type === "network" ? donors[n.type] : undefined;
      opened.push({ ns: n.type, fd: donorId ? openDonorNamespace(store, donorId, n.type as Joinable) : openPath(n.path) });
    }
  } catch (e) {
    for (const { fd } of opened) closeSync(fd);
    throw e;
  }
  return opened;
}

function openDonorNamespace(store: ContainerStore, id: string, ns: Joinable): number {
  let record: ContainerRecord;
  try {
    record = store.load(id);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UserError(`cannot join ${LABEL[ns]} of a non running container: ${id} (removed)`);
    throw e;
  }
  const process = record.state.process;
  if (!isAlive(process)) throw new UserError(`cannot join ${LABEL[ns]} of a non running container: ${id}`);
  let fd: number;
  try {
    fd = openPath(`/proc/${process.pid}/ns/${NAMESPACES[ns].proc}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new UserError(`cannot join ${LABEL[ns]} of a non running container: ${id}`);
    throw e;
  }
  if (!isAlive(process)) {
    closeSync(fd);
    throw new UserError(`cannot join ${LABEL[ns]} of a non running container: ${id}`);
  }
  return fd;
}

function openPath(path: string): number {
  return openSync(path, constants.O_RDONLY | O_CLOEXEC);
}
