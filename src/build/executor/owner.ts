// `--chown=user[:group]` and `--chmod=mode` of COPY/ADD. Names are looked up in the stage's own
// /etc/passwd and /etc/group (read through the layered view, never the host's).
import { readFileSync } from "node:fs";
import { BuildError } from "../errors.ts";
import type { LayeredFs } from "./layered-fs.ts";

export interface Owner { uid: number; gid: number }

function readEtc(fs: LayeredFs, file: string): string[][] {
  const node = fs.resolve(`/etc/${file}`, { followLast: true });
  if (node === null || !node.stat.isFile() || node.stat.size > 16 * 2 ** 20) return [];
  return readFileSync(node.hostPath, "utf8").split("\n").filter(Boolean).map((l) => l.split(":"));
}

const NUMERIC = /^[0-9]+$/;

export function parseChown(spec: string, fs: LayeredFs): Owner {
  const [user, group] = spec.split(":", 2) as [string, string?];
  if (user === "") throw new BuildError(`unable to convert uid/gid chown string to host mapping: invalid chown string: ${spec}`);
  let uid: number;
  let primaryGid: number | undefined;
  if (NUMERIC.test(user)) {
    uid = Number(user);
  } else {
    const entry = readEtc(fs, "passwd").find((f) => f[0] === user);
    if (!entry || !NUMERIC.test(entry[2] ?? "")) throw new BuildError(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
    uid = Number(entry[2]);
    primaryGid = NUMERIC.test(entry[3] ?? "") ? Number(entry[3]) : undefined;
  }
  if (group === undefined || group === "") return { uid, gid: primaryGid ?? uid };
  if (NUMERIC.test(group)) return { uid, gid: Number(group) };
  const entry = readEtc(fs, "group").find((f) => f[0] === group);
  if (!entry || !NUMERIC.test(entry[2] ?? "")) throw new BuildError(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
  return { uid, gid: Number(entry[2]) };
}

export function parseChmod(spec: string): number {
  if (!/^[0-7]{1,4}$/.test(spec)) throw new BuildError(`invalid chmod parameter: ${spec} (use an octal mode such as 0755)`);
  return Number.parseInt(spec, 8);
}
