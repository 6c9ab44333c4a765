import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, readSync, rmdirSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  getTermios, getWinsize, isatty, makeRaw, openPty, openSlave, receiveFd, restoreTermios, sendFd, setWinsize,
  socketPair, type Pty,
} from "../../src/sys/tty.ts";
import { SyscallError } from "../../src/sys/errno.ts";
import { pipe } from "../../src/sys/fs.ts";
import { mount, umount, MNT_DETACH } from "../../src/sys/mount.ts";
import { readMaster } from "../../src/runtime/terminal.ts";

// Descriptors this file could leak: ptys and sockets (pipes are checked by name too).
function ourFds(): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    if (Number(fd) <= 2) continue;
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/^\/dev\/(ptmx|pts\/)|^socket:|^pipe:|devpts/.test(target) || target.includes("minibox-tty")) out.add(`${fd}→${target}`);
    } catch {
      // closed while listing
    }
  }
  return out;
}

let before: Set<string>;
beforeEach(() => (before = ourFds()));
// Bun.file(fd).stream() reads through its own dup of the fd and closes that a moment after the stream
// ends, so give it a bounded moment before calling anything a leak.
afterEach(async () => {
  const leaked = () => [...ourFds()].filter((f) => !before.has(f));
  const deadline = performance.now() + 1000;
  while (leaked().length && performance.now() < deadline) await Bun.sleep(5);
  expect(leaked()).toEqual([]);
});

const lflag = (t: { bytes: Uint8Array }) => new DataView(t.bytes.buffer).getUint32(12, true);
const ICANON = 0x2, ECHO = 0x8;

/** Resolves with `what`, or fails after `ms` (a deadline, not a wait for state). */
function within<T>(ms: number, what: Promise<T>, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout: ${label}`)), ms)));
  return Promise.race([what, deadline]).finally(() => clearTimeout(timer));
}

function closePty(pty: Pty, ...fds: number[]): void {
  for (const fd of [...fds, pty.master]) closeSync(fd);
}

describe("openPty", () => {
  test("names the slave after the ptmx's devpts and opens it via TIOCGPTPEER", () => {
    const pty = openPty();
    const slave = openSlave(pty);
    expect(pty.slavePath).toMatch(/^\/dev\/pts\/\d+$/);
    expect(readlinkSync(`/proc/self/fd/${slave}`)).toBe(pty.slavePath);
    expect(isatty(pty.master)).toBe(true);
    expect(isatty(slave)).toBe(true);
    closePty(pty, slave);
  });

  test("a fresh devpts instance (as in a container) names its slaves under that mount", () => {
    const dir = mkdtempSync(join(tmpdir(), "minibox-tty-"));
    mount("devpts", dir, "devpts", 0, "newinstance,ptmxmode=0666,mode=0620");
    try {
      const pty = openPty(`${dir}/ptmx`);
      expect(pty.slavePath).toBe(`${dir}/0`);
      const slave = openSlave(pty);
      // The kernel names the peer by its devpts mount, so this also proves it is the same instance.
      expect(readlinkSync(`/proc/self/fd/${slave}`)).toBe(`${dir}/0`);
      closePty(pty, slave);
    } finally {
      umount(dir, MNT_DETACH);
      rmdirSync(dir);
    }
  });

  test("a missing ptmx throws a SyscallError with the path", () => {
    expect(() => openPty("/nonexistent/ptmx")).toThrow(SyscallError);
    expect(() => openPty("/nonexistent/ptmx")).toThrow("open /nonexistent/ptmx: ENOENT");
  });
});

describe("terminal attributes", () => {
  test("window size round trip through master and slave", () => {
    const pty = openPty();
    const slave = openSlave(pty);
    setWinsize(pty.master, { rows: 33, cols: 111 });
    expect(getWinsize(slave)).toEqual({ rows: 33, cols: 111 });
    expect(getWinsize(pty.master)).toEqual({ rows: 33, cols: 111 });
    closePty(pty, slave);
  });

  test("makeRaw clears canonical mode and echo; restoreTermios puts back the exact bytes", () => {
    const pty = openPty();
    const slave = openSlave(pty);
    const original = getTermios(slave);
    expect(lflag(original) & (ICANON | ECHO)).toBe(ICANON | ECHO);
    const saved = makeRaw(slave);
    expect(saved.bytes).toEqual(original.bytes);
    expect(lflag(getTermios(slave)) & (ICANON | ECHO)).toBe(0);
    restoreTermios(slave, saved);
    expect(getTermios(slave).bytes).toEqual(original.bytes);
    closePty(pty, slave);
  });

  test("isatty is false for a pipe and termios calls on it throw ENOTTY", () => {
    const [r, w] = pipe();
    expect(isatty(r)).toBe(false);
    expect(() => getWinsize(r)).toThrow("ENOTTY");
    closeSync(r);
    closeSync(w);
  });
});

describe("SCM_RIGHTS", () => {
  test("a descriptor sent over a socketpair arrives as a working, close-on-exec duplicate", () => {
    const [a, b] = socketPair();
    const [r, w] = pipe();
    sendFd(a, w);
    const got = receiveFd(b);
    expect(got).not.toBe(w);
    const flags = readFileSync(`/proc/self/fdinfo/${got}`, "utf8").match(/flags:\s+(\d+)/)![1]!;
    expect(parseInt(flags, 8) & 0o2000000).not.toBe(0);
    writeSync(got, "through the copy");
    const buf = Buffer.alloc(64);
    expect(buf.toString("utf8", 0, readSync(r, buf))).toBe("through the copy");
    for (const fd of [a, b, r, w, got]) closeSync(fd);
  });

  test("a pty master survives the trip", () => {
    const [a, b] = socketPair();
    const pty = openPty();
    sendFd(a, pty.master);
    const master = receiveFd(b);
    setWinsize(master, { rows: 7, cols: 9 });
    expect(getWinsize(pty.master)).toEqual({ rows: 7, cols: 9 });
    for (const fd of [a, b, master, pty.master]) closeSync(fd);
  });

  test("a peer that closes without sending a descriptor is an error, not a hang", () => {
    const [a, b] = socketPair();
    closeSync(a);
    expect(() => receiveFd(b)).toThrow("no descriptor received: peer closed");
    closeSync(b);
  });
});

describe("reading the master", () => {
  test("bytes written to the slave come out of the master; closing the slave ends the reader", async () => {
    const pty = openPty();
    const slave = openSlave(pty);
    const chunks: string[] = [];
    const reader = readMaster(pty.master, (c) => chunks.push(Buffer.from(c).toString()));
    writeSync(slave, "hello\n");
    closeSync(slave);
    await within(5000, reader.done, "reader end");
    // The line discipline's ONLCR turns \n into \r\n on the way out.
    expect(chunks.join("")).toBe("hello\r\n");
    closeSync(pty.master);
  });

  test("stop() ends an idle reader at once", async () => {
    const pty = openPty();
    const slave = openSlave(pty);
    const reader = readMaster(pty.master, () => {});
    reader.stop();
    await within(1000, reader.done, "stopped reader");
    closePty(pty, slave);
  });

  test("a child on the slave: tty, stty size, then a clean end when it exits", async () => {
    const pty = openPty();
    const slave = openSlave(pty);
    setWinsize(pty.master, { rows: 24, cols: 80 });
    const child = Bun.spawn(["sh", "-c", "tty; stty size"], { stdio: [slave, slave, slave] });
    closeSync(slave);
    let out = "";
    const cpu0 = process.cpuUsage();
    const reader = readMaster(pty.master, (c) => (out += Buffer.from(c).toString()));
    await within(5000, reader.done, "child output end");
    expect(await child.exited).toBe(0);
    expect(out).toBe(`${pty.slavePath}\r\n24 80\r\n`);
    const cpu = process.cpuUsage(cpu0);
    // A spinning reader would burn the whole wall time; this one should stay well under it.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(500);
    closeSync(pty.master);
  });
});

describe("attachTerminal", () => {
  test("relays keys and output, sets the size at start and on SIGWINCH, restores the host terminal", async () => {
    // The outer pty plays the user's terminal; tty-host.ts plays minibox.
    const outer = openPty();
    const outerSlave = openSlave(outer);
    setWinsize(outer.master, { rows: 30, cols: 90 });
    const cooked = getTermios(outerSlave);
    const host = Bun.spawn([process.execPath, join(import.meta.dir, "tty-host.ts")], {
      stdio: [outerSlave, outerSlave, outerSlave],
    });
    let out = "";
    const reader = readMaster(outer.master, (c) => (out += Buffer.from(c).toString()));
    const waitFor = async (done: RegExp | (() => boolean), label: string): Promise<void> => {
      const deadline = performance.now() + 10_000;
      while (!(typeof done === "function" ? done() : done.test(out))) {
        if (performance.now() > deadline) throw new Error(`timeout: ${label}; got ${JSON.stringify(out)}`);
        await Bun.sleep(5);
      }
    };
    try {
      await waitFor(/\/dev\/pts\/\d+\r\n30 90\r\n/, "initial size");
      expect(lflag(getTermios(outerSlave)) & (ICANON | ECHO)).toBe(0);
      setWinsize(outer.master, { rows: 50, cols: 120 });
      // The SIGWINCH races our next keystroke, so poke the shell until it reports the new size.
      const deadline = performance.now() + 10_000;
      while (!out.includes("50 120")) {
        if (performance.now() > deadline) throw new Error(`timeout: resize; got ${JSON.stringify(out)}`);
        const seen = out.length;
        writeSync(outer.master, "\r");
        await waitFor(() => /\d+ \d+\r\n$/.test(out.slice(seen)), "stty size");
      }
      writeSync(outer.master, "q\r");
      await waitFor(/got:bye\r\n[\s\S]*ATTACH-DONE exit=0/, "session end");
      expect(await within(10_000, host.exited, "host exit")).toBe(0);
      expect(getTermios(outerSlave).bytes).toEqual(cooked.bytes);
    } finally {
      host.kill();
      await host.exited;
      reader.stop();
      closePty(outer, outerSlave);
    }
  });
});
