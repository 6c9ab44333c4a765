// `-o FILE` for archives: the output is written to a temp file beside FILE and renamed over it only when
// complete, so a failure (or kill -9) never leaves a half archive under FILE; an existing FILE that is not a
// regular file (a device, a fifo, a directory, a symlink) is refused instead of written through. The temp
// file of a writer killed with -9 is removed by the next write to the same FILE.
import { fsyncSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname } from "node:path";
import { AT, O, fdPath, fstatx, openat, unlinkat } from "../sys/at.ts";
import { processStartTime } from "../container/liveness.ts";
import { Errno, SyscallError } from "../sys/errno.ts";
import { closeFd } from "../sys/fs.ts";
import { UserError } from "../errors.ts";

export async function writeOutputFile(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const name = basename(path);
  let dirFd: number;
  try {
    dirFd = openat(AT.FDCWD, dirname(path), O.PATH | O.DIRECTORY | O.CLOEXEC);
  } catch (e) {
    if (e instanceof SyscallError && (e.errno === Errno.ENOENT || e.errno === Errno.ENOTDIR)) {
      throw new UserError(`invalid output path: directory ${dirname(path)} does not exist`, 1);
    }
    throw e;
  }
  try {
    refuseNonRegular(dirFd, name, path);
    removeStaleTemps(dirFd, name);
    const tmpName = `.${name}.minibox-tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const fd = openat(dirFd, tmpName, O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW | O.CLOEXEC, 0o644);
    const dir = fdPath(dirFd);
    try {
      for await (const chunk of chunks) {
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
      }
      fsyncSync(fd);
      refuseNonRegular(dirFd, name, path);
      renameSync(`${dir}/${tmpName}`, `${dir}/${name}`);
    } catch (e) {
      try { unlinkSync(`${dir}/${tmpName}`); } catch { /* never created or already renamed */ }
      throw e;
    } finally {
      closeFd(fd);
    }
  } finally {
    closeFd(dirFd);
  }
}

/** Temp files of earlier writers of FILE that were killed (their pid is gone): the next write removes them. */
function removeStaleTemps(dirFd: number, name: string): void {
  const prefix = `.${name}.minibox-tmp-`;
  for (const entry of readdirSync(fdPath(dirFd))) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).split("-")[0]);
    if (!Number.isInteger(pid) || pid <= 0 || processStartTime(pid) !== undefined) continue;
    try { unlinkat(dirFd, entry, 0); } catch (e) { if (!(e instanceof SyscallError) || e.errno !== Errno.ENOENT) throw e; }
  }
}

function refuseNonRegular(dirFd: number, name: string, path: string): void {
  let fd: number;
  try {
    fd = openat(dirFd, name, O.PATH | O.NOFOLLOW | O.CLOEXEC);
  } catch (e) {
    if (e instanceof SyscallError && e.errno === Errno.ENOENT) return;
    throw e;
  }
  try {
    if ((fstatx(fd).mode & 0o170000) !== 0o100000) throw new UserError(`invalid output path: "${path}" exists and is not a regular file`, 1);
  } finally {
    closeFd(fd);
  }
}
