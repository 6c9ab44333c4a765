// Tar writer: ustar headers, with a PAX extended header in front whenever a field does not fit
// (long or non-ASCII names, large ids/sizes, xattrs). It writes names verbatim: the test fixtures rely
// on that to build hostile layers.
import { BLOCK, checksum, padding, type EntryType } from "./header.ts";

export interface TarWriteEntry {
  name: string;
  type?: EntryType; // default "file"
  mode?: number; // default 0o644 for files, 0o755 for directories, 0o777 for symlinks
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: number; // seconds; default 0 so output is reproducible
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Uint8Array | string>;
  /** Bytes for a regular file. For a streamed body, give `size` and `stream` instead. */
  body?: Uint8Array | string;
  size?: number;
  stream?: () => AsyncIterable<Uint8Array>;
}

const encoder = new TextEncoder();
const FLAGS: Record<EntryType, string> = {
  file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6",
};
const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

function putString(block: Uint8Array, start: number, length: number, value: string): void {
  block.set(encoder.encode(value).subarray(0, length), start);
}

function putOctal(block: Uint8Array, start: number, length: number, value: number): void {
  putString(block, start, length, Math.trunc(value).toString(8).padStart(length - 1, "0"));
}

function fitsUstar(s: string, max: number): boolean {
  return s.length <= max && /^[\x20-\x7e]*$/.test(s);
}

/** Splits a long name into ustar prefix + name, if there is a '/' that makes both parts fit. */
function splitName(name: string): [prefix: string, rest: string] | null {
  if (fitsUstar(name, 100)) return ["", name];
  if (!/^[\x20-\x7e]*$/.test(name)) return null;
  for (let i = name.lastIndexOf("/"); i > 0; i = name.lastIndexOf("/", i - 1)) {
    if (i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return [name.slice(0, i), name.slice(i + 1)];
  }
  return null;
}

function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const keyBytes = encoder.encode(key);
  const rest = keyBytes.length + value.length + 3; // ' ', '=', '\n'
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const part of [encoder.encode(`${len} `), keyBytes, encoder.encode("="), value, encoder.encode("\n")]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** One raw ustar header block with an arbitrary typeflag (tests build GNU 'L'/'K' members with it). */
export function ustarBlock(e: Required<Pick<TarWriteEntry, "name" | "type" | "mode" | "uid" | "gid" | "mtime" | "linkname">> & TarWriteEntry, size: number, flag: string, prefix: string, name: string): Uint8Array {
  const block = new Uint8Array(BLOCK);
  putString(block, 0, 100, name);
  putOctal(block, 100, 8, e.mode);
  putOctal(block, 108, 8, Math.min(e.uid, MAX_OCTAL_8));
  putOctal(block, 116, 8, Math.min(e.gid, MAX_OCTAL_8));
  putOctal(block, 124, 12, Math.min(size, MAX_OCTAL_12));
  putOctal(block, 136, 12, Math.min(Math.max(e.mtime, 0), MAX_OCTAL_12));
  block[156] = flag.charCodeAt(0);
  putString(block, 157, 100, fitsUstar(e.linkname, 100) ? e.linkname : "");
  putString(block, 257, 8, "ustar\u000000");
  putString(block, 265, 32, e.uname ?? "");
  putString(block, 297, 32, e.gname ?? "");
  putOctal(block, 329, 8, e.devmajor ?? 0);
  putOctal(block, 337, 8, e.devminor ?? 0);
  putString(block, 345, 155, prefix);
  putString(block, 148, 8, checksum(block).toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function bodyOf(e: TarWriteEntry): Uint8Array {
  return typeof e.body === "string" ? encoder.encode(e.body) : e.body ?? new Uint8Array(0);
}

/** The header block(s) of one entry: an optional PAX header + body, then the ustar header. */
export function entryHeader(entry: TarWriteEntry, size: number): Uint8Array {
  const type = entry.type ?? "file";
  const e = {
    ...entry, type,
    mode: entry.mode ?? (type === "dir" ? 0o755 : type === "symlink" ? 0o777 : 0o644),
    uid: entry.uid ?? 0, gid: entry.gid ?? 0, mtime: entry.mtime ?? 0, linkname: entry.linkname ?? "",
  };
  const name = type === "dir" && !e.name.endsWith("/") ? `${e.name}/` : e.name;
  const records: Uint8Array[] = [];
  const split = splitName(name);
  if (!split) records.push(paxRecord("path", encoder.encode(name)));
  if (!fitsUstar(e.linkname, 100)) records.push(paxRecord("linkpath", encoder.encode(e.linkname)));
  if (size > MAX_OCTAL_12) records.push(paxRecord("size", encoder.encode(String(size))));
  if (e.uid > MAX_OCTAL_8) records.push(paxRecord("uid", encoder.encode(String(e.uid))));
  if (e.gid > MAX_OCTAL_8) records.push(paxRecord("gid", encoder.encode(String(e.gid))));
  if (!Number.isInteger(e.mtime) || e.mtime > MAX_OCTAL_12) records.push(paxRecord("mtime", encoder.encode(String(e.mtime))));
  for (const [key, value] of Object.entries(e.xattrs ?? {})) {
    records.push(paxRecord(`SCHILY.xattr.${key}`, typeof value === "string" ? encoder.encode(value) : value));
  }
  const [prefix, short] = split ?? ["", name.slice(-100).replace(/[^\x20-\x7e]/g, "_")];
  const main = ustarBlock(e, size, FLAGS[type], prefix, short);
  if (records.length === 0) return main;
  const pax = concat(records);
  const paxName = `PaxHeaders.0/${short.split("/").filter(Boolean).pop() ?? "x"}`.slice(0, 100);
  const paxHeader = ustarBlock({ ...e, mode: 0o644, linkname: "", uname: "", gname: "" }, pax.length, "x", "", paxName);
  return concat([paxHeader, pax, new Uint8Array(padding(pax.length)), main]);
}

/** Streams an archive; entries may have streamed bodies (used by `save`). */
export async function* writeTar(entries: Iterable<TarWriteEntry> | AsyncIterable<TarWriteEntry>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    const isFile = (entry.type ?? "file") === "file";
    if (entry.stream && isFile) {
      const size = entry.size ?? 0;
      yield entryHeader(entry, size);
      let written = 0;
      for await (const part of entry.stream()) { written += part.length; yield part; }
      if (written !== size) throw new Error(`tar writer: ${entry.name} streamed ${written} bytes, header says ${size}`);
      yield new Uint8Array(padding(size));
    } else {
      const body = isFile ? bodyOf(entry) : new Uint8Array(0);
      yield entryHeader(entry, body.length);
      if (body.length) { yield body; yield new Uint8Array(padding(body.length)); }
    }
  }
  yield new Uint8Array(BLOCK * 2);
}

/** A whole archive in memory, from in-memory bodies (fixtures, small archives). */
export function tarBytes(entries: Iterable<TarWriteEntry>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const isFile = (entry.type ?? "file") === "file";
    const body = isFile ? bodyOf(entry) : new Uint8Array(0);
    parts.push(entryHeader(entry, body.length));
    if (body.length) parts.push(body, new Uint8Array(padding(body.length)));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return concat(parts);
}
