// Shared by the container lifecycle e2e files: a sandbox with the busybox image loaded, deadline polling
// (never a fixed sleep to wait for a state), the container's record and cgroup dirs as seen from the host,
// and an end-of-file check that nothing of the sandbox is left running.
import { expect } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeDockerArchive } from "../fixtures/images.ts";
import { makeSandbox, processesMentioning, type Result, type Sandbox } from "./harness.ts";

export const T = 60_000; // per-test timeout
export const HEX64 = /^[0-9a-f]{64}$/;
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function poll<V>(what: string, probe: () => V | undefined | false | Promise<V | undefined | false>, timeoutMs = 10_000): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    last = v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what} (last: ${String(last)})`);
    await Bun.sleep(delay);
  }
}

/** Checks that `probe` stays true for the whole of `ms` (for things that must NOT happen). */
export async function holds(what: string, probe: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!(await probe())) throw new Error(`no longer true: ${what}`);
    await Bun.sleep(20);
  }
}

export interface Inspect {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; Paused: boolean; Pid: number; ExitCode: number; StartedAt: string; FinishedAt: string; OOMKilled: boolean; Error: string };
  Config: { Cmd: string[]; Image: string; StopSignal: string; StopTimeout: number; Hostname: string };
  HostConfig: { RestartPolicy: { Name: string; MaximumRetryCount: number }; AutoRemove: boolean };
}

export interface ProcessIdentity { pid: number; startTime: number }

/** Field 22 of /proc/<pid>/stat; undefined when gone or a zombie. */
export function startTimeOf(pid: number): number | undefined {
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { return undefined; }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  return Number(fields[19]);
}

export function isAlive(p: ProcessIdentity): boolean {
  return startTimeOf(p.pid) === p.startTime;
}

/** Field 6 of /proc/<pid>/stat (the session id). */
export function sessionOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
  } catch {
    return undefined;
  }
}

export function parentOf(pid: number): number | undefined {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  } catch {
    return undefined;
  }
}

/** Every cgroup directory named after the container, in any hierarchy (v1 or v2), under minibox*. */
export function cgroupDirs(id: string): string[] {
  const found: string[] = [];
  const base = "/sys/fs/cgroup";
  const look = (dir: string) => {
    let entries: string[];
    try { entries = readdirSync(dir); } catch { return; }
    for (const e of entries) if (e.startsWith("minibox") && existsSync(join(dir, e, id))) found.push(join(dir, e, id));
  };
  look(base);
  for (const e of readdirSync(base)) look(join(base, e));
  return found;
}

export class Lifecycle {
  readonly sb: Sandbox;
  /** Every container id and init process seen, checked once more at the end of the file. */
  readonly ids = new Set<string>();
  readonly inits: ProcessIdentity[] = [];

  constructor(prefix: string) {
    this.sb = makeSandbox(prefix);
  }

  get root(): string {
    return this.sb.root;
  }

  async setup(): Promise<void> {
    const archive = join(dirname(this.sb.root), "busybox.tar");
    writeDockerArchive(archive);
    await this.ok(["load", "-i", archive]);
  }

  run(args: string[], opts?: Parameters<Sandbox["run"]>[1]): Promise<Result> {
    return this.sb.run(args, opts);
  }

  /** Runs minibox and returns its stdout; throws (with stderr) unless it exits 0. */
  async ok(args: string[], opts?: Parameters<Sandbox["run"]>[1]): Promise<string> {
    const r = await this.sb.run(args, opts);
    if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** `run -d …` → the full id (checked to be 64 hex). */
  async runD(...args: string[]): Promise<string> {
    const out = (await this.ok(["run", "-d", ...args])).trim();
    expect(out).toMatch(HEX64);
    this.ids.add(out);
    return out;
  }

  async create(...args: string[]): Promise<string> {
    const out = (await this.ok(["create", ...args])).trim();
    expect(out).toMatch(HEX64);
    this.ids.add(out);
    return out;
  }

  async inspect(ref: string): Promise<Inspect> {
    const [one] = JSON.parse(await this.ok(["inspect", ref])) as Inspect[];
    return one!;
  }

  /** The container's init, once running; remembered for the end-of-file check. */
  async initOf(ref: string): Promise<ProcessIdentity> {
    const s = await this.inspect(ref);
    expect(s.State.Running).toBe(true);
    const p = { pid: s.State.Pid, startTime: startTimeOf(s.State.Pid)! };
    expect(p.startTime).toBeNumber();
    this.inits.push(p);
    return p;
  }

  /** The state record on disk, as the monitor or a CLI last wrote it. */
  record(id: string): { state: { status: string; exitCode?: number; restartCount?: number; process?: { pid: number; startTime: number; bootId: string } } } | undefined {
    try {
      return JSON.parse(readFileSync(join(this.root, "containers", id, "container.json"), "utf8"));
    } catch {
      return undefined;
    }
  }

  /**
   * Waits until the container's parent has recorded its exit, then inspects it. (Between the init's death
   * and that record, the derived status is already "exited" but with the unknown code -1.)
   */
  async recordedExit(id: string, timeoutMs = 10_000): Promise<Inspect> {
    await poll(`the exit of ${id.slice(0, 12)} to be recorded`, () => this.record(id)?.state.status === "exited", timeoutMs);
    return this.inspect(id);
  }

  containerDir(id: string): string {
    return join(this.root, "containers", id);
  }

  /** A file the container wrote, read from its overlay upper dir. */
  readUpper(id: string, path: string): string | undefined {
    try { return readFileSync(join(this.containerDir(id), "upper", path), "utf8"); } catch { return undefined; }
  }

  containerIds(): string[] {
    const dir = join(this.root, "containers");
    return existsSync(dir) ? readdirSync(dir) : [];
  }

  /** `ps` table rows (without the header), or [] */
  async psRows(...args: string[]): Promise<string[]> {
    const lines = (await this.ok(["ps", ...args])).split("\n").filter((l) => l.trim() !== "");
    expect(lines[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    return lines.slice(1);
  }

  async statusOf(id: string): Promise<string | undefined> {
    const row = (await this.psRows("-a", "--no-trunc")).find((l) => l.startsWith(id));
    return row?.split(/\s{2,}/)[4];
  }

  monitors(): number[] {
    return processesMentioning(this.root).filter((pid) => {
      try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes("monitor"); } catch { return false; }
    });
  }

  /** Removes every container of the sandbox (between tests) and checks that rm -f managed it. */
  async removeAll(): Promise<void> {
    const ids = this.containerIds();
    if (ids.length === 0) return;
    const r = await this.run(["rm", "-f", ...ids]);
    expect(r.stderr).toBe("");
    expect(this.containerIds()).toEqual([]);
  }

  /**
   * End of file: containers removed, monitor gone (polled), no init left alive, no cgroup left for any
   * container the file created, then the sandbox directory removed.
   */
  async finish(): Promise<void> {
    try {
      await this.removeAll();
      await poll("the sandbox's monitor to exit", () => this.monitors().length === 0, 10_000);
      expect(this.inits.filter(isAlive)).toEqual([]);
      for (const id of this.ids) expect(cgroupDirs(id)).toEqual([]);
    } finally {
      this.sb.cleanup();
    }
    expect(processesMentioning(this.root)).toEqual([]);
  }
}
