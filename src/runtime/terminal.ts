// Host side of `run -t`: relays the user's terminal to a container's pty master and back.
//
// Reading the master: Bun.file(fd).stream() polls a *non-blocking* character device through the event
// loop (epoll), so an idle container costs no CPU and no thread, and cancel() ends the read at once. On a
// blocking fd the same call fails with ESPIPE (it tries pread), and node:fs streams park a threadpool
// thread in read() until the container prints something. Hence the master is switched to O_NONBLOCK;
// that flag is shared only with the init's copy of the fd, which it closes after sending it to us.
import { writeSync } from "node:fs";
import { getWinsize, isatty, makeRaw, restoreTermios, setNonBlocking, setWinsize, foregroundGroup, type Termios } from "../sys/tty.ts";
import { kill } from "../sys/proc.ts";
import { SyscallError } from "../sys/errno.ts";

export interface AttachOptions {
  /** Relay host stdin to the container (`-i`); the host terminal goes raw only then, as with Docker. */
  stdin: boolean;
  /** Where container output goes; host stdout by default. */
  output?: number;
}

export interface Attachment {
  /** Settles when the container side of the pty is closed (EIO on the master) or after detach(). */
  done: Promise<void>;
  /** Stops relaying and restores the host terminal; the master fd stays open (the caller owns it). */
  detach(): void;
}

export interface MasterReader {
  done: Promise<void>;
  stop(): void;
}

function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/** Feeds every chunk read from `master` to `sink` until the slave side is closed or stop() is called. */
export function readMaster(master: number, sink: (chunk: Uint8Array) => void): MasterReader {
  setNonBlocking(master, true);
  const reader = Bun.file(master).stream().getReader();
  let stopped = false;
  const done = (async () => {
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) return;
        sink(value);
      }
    } catch (e) {
      // A pty master reports "every slave fd is closed" as EIO, not as EOF.
      if (stopped || errorCode(e) === "EIO") return;
      void reader.cancel().catch(() => {});
      throw e;
    }
  })();
  return {
    done,
    stop() {
      if (stopped) return;
      stopped = true;
      void reader.cancel().catch(() => {});
    },
  };
}

/** Blocking write of the whole chunk; a terminal or pipe on our side drains quickly. False: EPIPE. */
function writeAll(fd: number, chunk: Uint8Array): boolean {
  for (let off = 0; off < chunk.length; ) {
    try {
      off += writeSync(fd, chunk, off);
    } catch (e) {
      if (errorCode(e) === "EPIPE") return false;
      // Someone else may have made a shared stdout non-blocking; wait for it rather than drop output.
      if (errorCode(e) !== "EAGAIN") throw e;
      Bun.sleepSync(1);
    }
  }
  return true;
}

/**
 * The container's output, until our reader goes away (`run -t … | head`): then the container is hung
 * up, as a closed terminal would, with SIGHUP to its foreground process group. Its output is still read
 * (and dropped), so that a process ignoring the hangup never blocks on a full pty; the session ends as
 * usual when the container does, and `run` reports its status (129 for the hangup). A container's PID 1
 * without a SIGHUP handler is shielded by the kernel and goes on running, as it would under Docker.
 */
function outputSink(master: number, output: number): (chunk: Uint8Array) => void {
  let gone = false;
  return (chunk) => {
    if (gone || writeAll(output, chunk)) return;
    gone = true;
    try {
      // (TIOCSIG cannot do it: a pty sends only INT, QUIT and TSTP that way.)
      kill(-foregroundGroup(master), 1);
    } catch (e) {
      // The container side is closing already (or its group is gone), which ends the session anyway.
      if (!(e instanceof SyscallError)) throw e;
    }
  };
}

/**
 * Keystrokes into the non-blocking master. When the container does not read its input the pty buffer
 * fills and write() says EAGAIN: keep the rest, pause host stdin, and retry on a short timer.
 */
function masterWriter(master: number, setBlocked: (blocked: boolean) => void) {
  const queue: Uint8Array[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    timer = undefined;
    while (queue.length) {
      const head = queue[0]!;
      let n: number;
      try {
        n = writeSync(master, head);
      } catch (e) {
        if (errorCode(e) === "EAGAIN") {
          setBlocked(true);
          timer = setTimeout(flush, 10);
          return;
        }
        // EIO: the container closed its side; readMaster sees it too and ends the session.
        queue.length = 0;
        break;
      }
      if (n < head.length) queue[0] = head.subarray(n);
      else queue.shift();
    }
    setBlocked(false);
  };
  return {
    write(chunk: Uint8Array): void {
      queue.push(chunk);
      if (!timer) flush();
    },
    stop(): void {
      clearTimeout(timer);
      queue.length = 0;
    },
  };
}

/** The host terminal whose size the container should get: stdout first, like Docker. */
function hostTerminal(): number | undefined {
  if (isatty(1)) return 1;
  if (isatty(0)) return 0;
  return undefined;
}

export function attachTerminal(master: number, opts: AttachOptions): Attachment {
  const output = opts.output ?? 1;
  let saved: Termios | undefined;
  const restore = (): void => {
    if (!saved) return;
    const s = saved;
    saved = undefined;
    try {
      restoreTermios(0, s);
    } catch {
      // The terminal may be gone (hangup); nothing left to restore.
    }
  };
  const resize = (): void => {
    const from = hostTerminal();
    if (from !== undefined) setWinsize(master, getWinsize(from));
  };
  const onWinch = (): void => {
    try {
      resize();
    } catch {
      // A resize racing the end of the session is harmless.
    }
  };
  const input = masterWriter(master, (blocked) => (blocked ? process.stdin.pause() : process.stdin.resume()));
  const onInput = (chunk: Uint8Array): void => input.write(chunk);

  let reader: MasterReader | undefined;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    process.off("SIGWINCH", onWinch);
    if (opts.stdin) {
      process.stdin.off("data", onInput);
      process.stdin.pause();
    }
    input.stop();
    reader?.stop();
    restore();
    process.off("exit", restore);
  };

  try {
    resize();
    process.on("SIGWINCH", onWinch);
    if (opts.stdin && isatty(0)) {
      saved = makeRaw(0);
      process.on("exit", restore);
    }
    reader = readMaster(master, outputSink(master, output));
    if (opts.stdin) {
      process.stdin.on("data", onInput);
      process.stdin.resume();
    }
  } catch (e) {
    finish();
    throw e;
  }
  return { done: reader.done.finally(finish), detach: finish };
}
