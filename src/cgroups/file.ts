// Reading and writing cgroupfs files. Writes open O_WRONLY|O_TRUNC without O_CREAT (as runc does): a
// missing file then fails with ENOENT instead of creating a plain file, kernfs ignores the truncation,
// and write-only files (cgroup.kill, devices.allow) can be opened at all. One write() per value, because
// cgroupfs parses each write as a whole.
import { closeSync, existsSync, openSync, readFileSync, writeSync, constants } from "node:fs";
import { O_CLOEXEC } from "../sys/fs.ts";
import { basename, dirname } from "node:path";
import { CgroupError, fsCode } from "./errors.ts";

export function writeCgroupFile(dir: string, file: string, value: string | number, controller = controllerOf(file)): void {
  const path = `${dir}/${file}`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_TRUNC | O_CLOEXEC);
  } catch (e) {
    throw new CgroupError(controller, path, fsCode(e), `writing ${JSON.stringify(String(value))}`);
  }
  try {
    writeSync(fd, Buffer.from(String(value)));
  } catch (e) {
    throw new CgroupError(controller, path, fsCode(e), `writing ${JSON.stringify(String(value))}`);
  } finally {
    closeSync(fd);
  }
}

export function readCgroupFile(dir: string, file: string, controller = controllerOf(file)): string {
  const path = `${dir}/${file}`;
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new CgroupError(controller, path, fsCode(e));
  }
}

/** The file's content, or undefined when the kernel does not provide it (feature or controller missing). */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return readFileSync(`${dir}/${file}`, "utf8");
  } catch (e) {
    if (fsCode(e) === "ENOENT") return undefined;
    throw new CgroupError(controllerOf(file), `${dir}/${file}`, fsCode(e));
  }
}

export function hasFile(dir: string, file: string): boolean {
  return existsSync(`${dir}/${file}`);
}

/** "key value" lines (cpu.stat, memory.events, memory.stat, memory.oom_control) as a map of numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** A single number file; "max" (v2) and v1's page-rounded 2^63 count as unlimited (undefined). */
export function parseLimit(text: string): number | undefined {
  const t = text.trim();
  if (t === "max" || t === "-1") return undefined;
  const n = Number(t);
  return n >= 2 ** 62 ? undefined : n;
}

/** "cgroup.procs" lines → pids. */
export function parsePids(text: string): number[] {
  return text.split("\n").filter((l) => l.trim() !== "").map(Number);
}

function controllerOf(file: string): string {
  const name = basename(file);
  const dot = name.indexOf(".");
  return dot > 0 ? name.slice(0, dot) : dirname(file);
}
