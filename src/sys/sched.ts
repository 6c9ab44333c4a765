import { libc } from "./libc.ts";
import { check } from "./call.ts";

export const CLONE = {
  NEWNS: 0x00020000, NEWCGROUP: 0x02000000, NEWUTS: 0x04000000, NEWIPC: 0x08000000,
  NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000, FS: 0x00000200,
} as const;

/** Namespace names as in /proc/PID/ns and the OCI spec's linux.namespaces[].type, with their flag. */
export const NAMESPACES = {
  mount: { proc: "mnt", flag: CLONE.NEWNS },
  uts: { proc: "uts", flag: CLONE.NEWUTS },
  ipc: { proc: "ipc", flag: CLONE.NEWIPC },
  network: { proc: "net", flag: CLONE.NEWNET },
  pid: { proc: "pid", flag: CLONE.NEWPID },
  cgroup: { proc: "cgroup", flag: CLONE.NEWCGROUP },
} as const;
export type NamespaceType = keyof typeof NAMESPACES;

export function unshare(flags: number): void {
  check(libc.unshare(flags), "unshare");
}

export function setns(fd: number, nstype = 0, what = "namespace"): void {
  check(libc.setns(fd, nstype), "setns", what);
}

export function sethostname(name: string): void {
  const b = Buffer.from(name, "utf8");
  check(libc.sethostname(b, b.length), "sethostname", name);
}
