// --sysctl: only the sysctls that live in a namespace of the container's own (the rest would change the
// host), with the Docker CLI's whitelist and runc's namespace rules and messages.
import { UserError } from "../errors.ts";

const IPC_SYSCTLS = new Set([
  "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
]);
// Each dot-separated part is a /proc/sys path component: plain names only (no "..", no "/").
const NAME = /^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*$/;

function kindOf(name: string): "ipc" | "network" | "uts" | undefined {
  if (IPC_SYSCTLS.has(name) || (name.startsWith("fs.mqueue.") && name.length > "fs.mqueue.".length)) return "ipc";
  if (name.startsWith("net.")) return "network";
  if (name === "kernel.domainname") return "uts";
  return undefined;
}

/** `name=value` (the value may hold "="); a name outside the namespaced set is refused as Docker does. */
export function parseSysctl(flag: string): [name: string, value: string] {
  const eq = flag.indexOf("=");
  const name = eq < 0 ? flag : flag.slice(0, eq);
  if (name === "kernel.hostname") {
    throw new UserError(`sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field`);
  }
  if (eq < 0 || !NAME.test(name) || kindOf(name) === undefined) {
    throw new UserError(`invalid argument "${flag}" for "--sysctl" flag: sysctl '${flag}' is not whitelisted`);
  }
  return [name, flag.slice(eq + 1)];
}

/** Which of the container's namespaces are its own (not the host's). */
export interface PrivateNamespaces { network: boolean; ipc: boolean; uts: boolean }

/** runc's rule: a namespaced sysctl is only allowed when that namespace is not the host's. */
export function checkSysctlNamespaces(sysctls: Record<string, string>, own: PrivateNamespaces): void {
  for (const name of Object.keys(sysctls)) {
    const kind = kindOf(name);
    if (kind === "ipc" && !own.ipc) throw new UserError(`sysctl "${name}" is not allowed in the hosts ipc namespace`);
    if (kind === "network" && !own.network) throw new UserError(`sysctl "${name}" is not allowed in the hosts network namespace`);
    if (kind === "uts" && !own.uts) throw new UserError(`sysctl "${name}" is not in a separate kernel namespace`);
    if (kind === undefined) throw new UserError(`sysctl "${name}" is not in a separate kernel namespace`);
  }
}

/** kernel.shmmax → kernel/shmmax, relative to /proc/sys (the name is validated first). */
export function sysctlPath(name: string): string {
  if (!NAME.test(name)) throw new UserError(`invalid sysctl name: ${name}`);
  return name.replaceAll(".", "/");
}
