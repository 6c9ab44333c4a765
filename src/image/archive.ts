// An image archive on disk (docker-archive or OCI archive): the outer tar indexed once, members read
// straight from the file by offset. Symlinks inside the archive (docker save links repeated layers)
// are followed, but only to other members.
import { posix } from "node:path";
import { UserError } from "../errors.ts";
import { TarFormatError } from "./tar/header.ts";
import { indexTar, normalizeName, type IndexedEntry } from "./tar/index.ts";

export class InvalidArchiveError extends UserError {
  constructor(readonly archive: string, why: string) {
    super(`invalid image archive ${archive}: ${why}`);
    this.name = "InvalidArchiveError";
  }
}

export class Archive {
  private constructor(readonly path: string, readonly label: string, private readonly entries: Map<string, IndexedEntry>) {}

  static open(path: string, label = path): Archive {
    try {
      return new Archive(path, label, indexTar(path));
    } catch (error) {
      if (error instanceof TarFormatError) throw new InvalidArchiveError(label, error.message);
      throw error;
    }
  }

  has(name: string): boolean {
    return this.entries.has(normalizeName(name));
  }

  private entry(name: string): IndexedEntry {
    let key = normalizeName(name);
    for (let hops = 0; hops < 16; hops++) {
      const e = this.entries.get(key);
      if (!e) throw new InvalidArchiveError(this.label, `missing member ${name}`);
      if (e.type === "file") return e;
      if (e.type === "symlink") key = normalizeName(posix.join(posix.dirname(key), e.linkname));
      else if (e.type === "hardlink") key = normalizeName(e.linkname);
      else throw new InvalidArchiveError(this.label, `member ${name} is not a file`);
      if (key.startsWith("..")) throw new InvalidArchiveError(this.label, `member ${name} links outside the archive`);
    }
    throw new InvalidArchiveError(this.label, `too many links resolving ${name}`);
  }

  blob(name: string): Blob {
    const e = this.entry(name);
    return Bun.file(this.path).slice(e.offset, e.offset + e.size);
  }

  async bytes(name: string): Promise<Uint8Array> {
    return new Uint8Array(await this.blob(name).arrayBuffer());
  }

  async json<T>(name: string): Promise<T> {
    const text = new TextDecoder().decode(await this.bytes(name));
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new InvalidArchiveError(this.label, `${name} is not valid JSON`);
    }
  }
}
