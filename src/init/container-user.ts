// The user to run as, looked up in the container's own /etc/passwd and /etc/group (called once the
// process sees the container's root; a missing or unreadable file counts as empty, as in Docker).
import { readFileSync } from "node:fs";
import { parseGroup, parsePasswd, resolveUser, type ExecUser } from "./user.ts";

export function containerUser(spec: string): ExecUser {
  return resolveUser(spec, readOptional("/etc/passwd", parsePasswd), readOptional("/etc/group", parseGroup));
}

function readOptional<T>(path: string, parse: (text: string) => T[]): T[] {
  try {
    return parse(readFileSync(path, "utf8"));
  } catch {
    return [];
  }
}
