// `-u`/image User resolved against the container's own /etc/passwd and /etc/group (never the host's NSS),
// with the same rules as Docker: name or uid, optionally ":group" or ":gid"; supplementary groups from
// /etc/group membership; HOME from the passwd entry.
export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number; members: string[] }
export interface ExecUser { uid: number; gid: number; additionalGids: number[]; home: string }

export class UserLookupError extends Error {}

export function parsePasswd(text: string): PasswdEntry[] {
  return rows(text, 7).map((f) => ({ name: f[0]!, uid: id(f[2]), gid: id(f[3]), home: f[5] ?? "/" }))
    .filter((e) => Number.isInteger(e.uid) && Number.isInteger(e.gid));
}

export function parseGroup(text: string): GroupEntry[] {
  return rows(text, 4).map((f) => ({ name: f[0]!, gid: id(f[2]), members: (f[3] ?? "").split(",").map((m) => m.trim()).filter(Boolean) }))
    .filter((e) => Number.isInteger(e.gid));
}

/** A decimal id field; anything else (empty, " ", "0x10", "1e3", "-1") is NaN, since Number("") is 0. */
function id(field: string | undefined): number {
  return field !== undefined && /^[0-9]+$/.test(field) ? Number(field) : NaN;
}

function rows(text: string, minFields: number): string[][] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(":")).filter((f) => f.length >= minFields - 1);
}

const NUMERIC = /^[0-9]+$/;
const MAX_ID = 2 ** 31 - 1;

export function resolveUser(spec: string, passwd: PasswdEntry[], groups: GroupEntry[]): ExecUser {
  const [userPart = "", groupPart] = spec.split(":", 2) as [string?, string?];
  let uid = 0, gid = 0, home = "/", name: string | undefined;
  if (userPart === "") {
    const root = passwd.find((p) => p.uid === 0);
    if (root) ({ uid, gid, home, name } = root);
  } else if (NUMERIC.test(userPart)) {
    uid = checkedId(userPart, "uid");
    const entry = passwd.find((p) => p.uid === uid);
    if (entry) ({ gid, home, name } = entry);
  } else {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new UserLookupError(`unable to find user ${userPart}: no matching entries in passwd file`);
    ({ uid, gid, home, name } = entry);
  }
  if (groupPart !== undefined && groupPart !== "") {
    if (NUMERIC.test(groupPart)) gid = checkedId(groupPart, "gid");
    else {
      const group = groups.find((g) => g.name === groupPart);
      if (!group) throw new UserLookupError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = group.gid;
    }
  }
  // Docker (moby/sys/user): supplementary groups from membership only in the implicit form, i.e. without
  // ":group". compat-run: moby's getUser puts the primary group first in the list (so `id` shows groups=).
  const implicitGroup = groupPart === undefined || groupPart === "";
  const members = name === undefined || !implicitGroup ? [] : groups.filter((g) => g.members.includes(name!)).map((g) => g.gid);
  return { uid, gid, additionalGids: [...new Set([gid, ...members])], home };
}

function checkedId(text: string, what: string): number {
  const n = Number(text);
  if (n > MAX_ID) throw new UserLookupError(`${what} ${text} is out of range`);
  return n;
}
