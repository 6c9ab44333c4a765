// The 512-byte tar header (ustar/GNU) and PAX records: decoding for the readers, shared types.
export const BLOCK = 512;

export type EntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

/** One archive member with every extension (PAX, GNU long names) already applied. */
export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number; // permission bits incl. setuid/setgid/sticky
  uid: number;
  gid: number;
  size: number;
  mtime: number; // seconds since the epoch, fractional from PAX
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, Uint8Array>;
}

export class TarFormatError extends Error {
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = "TarFormatError";
  }
}

export class TruncatedTarError extends TarFormatError {
  constructor(offset: number) {
    super("unexpected end of tar archive (truncated?)", offset);
    this.name = "TruncatedTarError";
  }
}

const decoder = new TextDecoder();

export function cString(block: Uint8Array, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
}

/** Octal, or GNU base-256 (first byte's high bit set) for values too large for octal. */
export function numeric(block: Uint8Array, start: number, length: number, offset: number): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = cString(block, start, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`invalid numeric header field "${text}"`, offset);
  return parseInt(text, 8);
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

export function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return sum;
}

/** Raw header fields, before PAX/GNU overrides. `flag` is the typeflag character. */
export interface RawHeader extends TarHeader {
  flag: string;
}

const TYPES: Record<string, EntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "char", "4": "block", "5": "dir", "6": "fifo",
};

export function decodeHeader(block: Uint8Array, offset: number): RawHeader {
  const stored = numeric(block, 148, 8, offset);
  if (stored !== checksum(block)) throw new TarFormatError("invalid tar header checksum", offset);
  const flag = String.fromCharCode(block[156]!);
  const magic = cString(block, 257, 6);
  const version = String.fromCharCode(block[263]!, block[264]!);
  let name = cString(block, 0, 100);
  // The prefix field means "directory of name" only in POSIX ustar; GNU reuses those bytes for atime.
  if (magic === "ustar" && version === "00") {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  let type = TYPES[flag];
  if (!type && !"xgLK".includes(flag)) throw new TarFormatError(`unsupported tar entry type '${flag}' for ${name}`, offset);
  // Old (v7) archives mark directories by a trailing slash only.
  if (type === "file" && flag !== "7" && name.endsWith("/")) type = "dir";
  return {
    flag,
    name,
    type: type ?? "file",
    mode: numeric(block, 100, 8, offset) & 0o7777,
    uid: numeric(block, 108, 8, offset),
    gid: numeric(block, 116, 8, offset),
    size: numeric(block, 124, 12, offset),
    mtime: numeric(block, 136, 12, offset),
    linkname: cString(block, 157, 100),
    uname: cString(block, 265, 32),
    gname: cString(block, 297, 32),
    devmajor: numeric(block, 329, 8, offset),
    devminor: numeric(block, 337, 8, offset),
    xattrs: {},
  };
}

/** PAX records: "<len> <key>=<value>\n"; values stay bytes because xattr values are binary. */
export function parsePax(data: Uint8Array, offset: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad the record block with NULs
    const space = data.indexOf(0x20, pos);
    if (space === -1) throw new TarFormatError("malformed PAX record", offset);
    const len = Number(decoder.decode(data.subarray(pos, space)));
    if (!Number.isInteger(len) || len <= space - pos || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw new TarFormatError("malformed PAX record length", offset);
    }
    const record = data.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq === -1) throw new TarFormatError("malformed PAX record (no '=')", offset);
    out.set(decoder.decode(record.subarray(0, eq)), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

function paxNumber(v: Uint8Array, key: string, offset: number): number {
  const s = decoder.decode(v);
  const n = Number(s);
  if (s === "" || !Number.isFinite(n) || n < 0) throw new TarFormatError(`invalid PAX ${key} "${s}"`, offset);
  return n;
}

/** Applies PAX keys (global first, then the entry's own) to a decoded header, in place. */
export function applyPax(h: TarHeader, pax: Map<string, Uint8Array>, offset: number): void {
  for (const [key, value] of pax) {
    switch (key) {
      case "path": h.name = decoder.decode(value); break;
      case "linkpath": h.linkname = decoder.decode(value); break;
      case "size": h.size = paxNumber(value, key, offset); break;
      case "uid": h.uid = paxNumber(value, key, offset); break;
      case "gid": h.gid = paxNumber(value, key, offset); break;
      case "mtime": h.mtime = paxNumber(value, key, offset); break;
      case "uname": h.uname = decoder.decode(value); break;
      case "gname": h.gname = decoder.decode(value); break;
      default:
        if (key.startsWith("SCHILY.xattr.")) h.xattrs[key.slice("SCHILY.xattr.".length)] = value;
    }
  }
}

/** Largest extension header body we read; a bigger one is an attack on memory, not a real name. */
const MAX_EXTENSION = 64 << 20;

/**
 * What extension headers (PAX 'x' and 'g', GNU 'L' and 'K') carry over to the next real entry. The
 * streaming reader and the random-access index both feed their headers through one of these.
 */
export class ExtensionHeaders {
  private readonly globalPax = new Map<string, Uint8Array>();
  private pax = new Map<string, Uint8Array>();
  private longName: string | undefined;
  private longLink: string | undefined;

  static isExtension(raw: RawHeader, offset: number): boolean {
    if (!"xgLK".includes(raw.flag)) return false;
    if (raw.size > MAX_EXTENSION) throw new TarFormatError(`oversized '${raw.flag}' extension header`, offset);
    return true;
  }

  consume(raw: RawHeader, data: Uint8Array, offset: number): void {
    if (raw.flag === "x") this.pax = parsePax(data, offset);
    else if (raw.flag === "g") for (const [k, v] of parsePax(data, offset)) this.globalPax.set(k, v);
    else {
      const nul = data.indexOf(0);
      const text = decoder.decode(nul === -1 ? data : data.subarray(0, nul));
      if (raw.flag === "L") this.longName = text; else this.longLink = text;
    }
  }

  /** The real entry's header with the pending extensions applied; the per-entry ones are then used up. */
  resolve(raw: RawHeader, offset: number): TarHeader {
    const { flag: _flag, ...header } = raw;
    if (this.longName !== undefined) header.name = this.longName;
    if (this.longLink !== undefined) header.linkname = this.longLink;
    applyPax(header, this.globalPax, offset);
    applyPax(header, this.pax, offset);
    this.pax = new Map();
    this.longName = this.longLink = undefined;
    return header;
  }
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
