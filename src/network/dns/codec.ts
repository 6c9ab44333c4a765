// DNS messages (RFC 1035, EDNS0 of RFC 6891) to and from bytes. Every byte read comes from the network, so
// every read is bounds-checked, compression pointers may only point backwards (no loops), and the only
// error that escapes decode() is DnsFormatError.

export class DnsFormatError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`malformed DNS message at byte ${offset}: ${message}`);
    this.name = "DnsFormatError";
  }
}

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const CLASS_IN = 1;
export const CLASS_ANY = 255;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const HEADER_SIZE = 12;
/** Without EDNS0 a UDP reply must fit in 512 bytes (RFC 1035 §4.2.1). */
export const CLASSIC_UDP_SIZE = 512;

export interface DnsFlags {
  qr: boolean; opcode: number; aa: boolean; tc: boolean; rd: boolean; ra: boolean; ad: boolean; cd: boolean;
  /** The low 4 bits; EDNS0's extended bits stay in the OPT record's ttl. */
  rcode: number;
}

export interface Question { name: string; type: number; class: number }

/** rdata: bytes as received, except for the types whose rdata holds names (those may be compressed). */
export type RecordData =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "name"; name: string } // NS, CNAME, PTR
  | { kind: "soa"; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: "mx"; preference: number; exchange: string };

export interface ResourceRecord { name: string; type: number; class: number; ttl: number; data: RecordData }

export interface DnsMessage {
  id: number;
  flags: DnsFlags;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

const MAX_NAME_WIRE = 255;
const MAX_LABEL = 63;

// ---------------------------------------------------------------------------------------------- names
// Names are in presentation form without the final dot ("" is the root): a "." or "\" inside a label is
// escaped with "\", bytes outside printable ASCII as "\DDD", so any wire name round-trips.

function labelToText(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0x2e || b === 0x5c) s += "\\" + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + b.toString().padStart(3, "0");
  }
  return s;
}

/** "a.b\.c" → [[a], [b.c]] as bytes. Throws DnsFormatError for names that cannot be put on the wire. */
export function nameToLabels(name: string): Uint8Array[] {
  if (name === "" || name === ".") return [];
  const text = name.endsWith(".") && !name.endsWith("\\.") ? name.slice(0, -1) : name;
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      labels.push(finishLabel(cur, name));
      cur = [];
    } else if (c === 0x5c) {
      const digits = text.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(digits) && Number(digits) < 256) {
        cur.push(Number(digits));
        i += 3;
      } else if (i + 1 < text.length) {
        cur.push(text.charCodeAt(++i) & 0xff);
      } else {
        throw new DnsFormatError(`name ${JSON.stringify(name)} ends with a lone backslash`, 0);
      }
    } else if (c > 0xff) {
      throw new DnsFormatError(`name ${JSON.stringify(name)} has a character outside Latin-1`, 0);
    } else {
      cur.push(c);
    }
  }
  labels.push(finishLabel(cur, name));
  const wire = labels.reduce((n, l) => n + 1 + l.length, 1);
  if (wire > MAX_NAME_WIRE) throw new DnsFormatError(`name ${JSON.stringify(name)} is longer than ${MAX_NAME_WIRE} bytes`, 0);
  return labels;
}

function finishLabel(bytes: number[], name: string): Uint8Array {
  if (bytes.length === 0) throw new DnsFormatError(`name ${JSON.stringify(name)} has an empty label`, 0);
  if (bytes.length > MAX_LABEL) throw new DnsFormatError(`name ${JSON.stringify(name)} has a label longer than ${MAX_LABEL}`, 0);
  return Uint8Array.from(bytes);
}

/** Case-insensitive form of a name for lookups (DNS compares ASCII letters without case, RFC 4343). */
export function canonicalName(name: string): string {
  const trimmed = name.endsWith(".") && !name.endsWith("\\.") ? name.slice(0, -1) : name;
  return trimmed.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

// ---------------------------------------------------------------------------------------------- reading

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new DnsFormatError(`${what} runs past the end (${this.buf.length} bytes)`, this.pos);
  }
  u8(what: string): number { this.need(1, what); return this.buf[this.pos++]!; }
  u16(what: string): number { this.need(2, what); const v = this.view.getUint16(this.pos); this.pos += 2; return v; }
  u32(what: string): number { this.need(4, what); const v = this.view.getUint32(this.pos); this.pos += 4; return v; }
  bytes(n: number, what: string): Uint8Array { this.need(n, what); const b = this.buf.slice(this.pos, this.pos + n); this.pos += n; return b; }

  /** A possibly compressed name. Each pointer must go strictly before the label that holds it: no loops. */
  name(): string {
    const parts: string[] = [];
    let wire = 1;
    let p = this.pos;
    let end = -1; // where reading continues after the first pointer
    let limit = p; // a pointer must point below this
    for (;;) {
      if (p >= this.buf.length) throw new DnsFormatError("name runs past the end", p);
      const len = this.buf[p]!;
      if (len === 0) { p += 1; break; }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (p + 1 >= this.buf.length) throw new DnsFormatError("compression pointer runs past the end", p);
        const target = ((len & 0x3f) << 8) | this.buf[p + 1]!;
        if (target >= limit) throw new DnsFormatError(`compression pointer to ${target} does not point backwards`, p);
        if (end < 0) end = p + 2;
        limit = target;
        p = target;
        continue;
      }
      if (kind !== 0) throw new DnsFormatError(`unsupported label type 0x${kind.toString(16)}`, p);
      if (p + 1 + len > this.buf.length) throw new DnsFormatError("label runs past the end", p);
      wire += 1 + len;
      if (wire > MAX_NAME_WIRE) throw new DnsFormatError(`name longer than ${MAX_NAME_WIRE} bytes`, p);
      parts.push(labelToText(this.buf, p + 1, p + 1 + len));
      p += 1 + len;
      if (end < 0) limit = p;
    }
    this.pos = end < 0 ? p : end;
    return parts.join(".");
  }
}

function readFlags(v: number): DnsFlags {
  return {
    qr: (v & 0x8000) !== 0, opcode: (v >> 11) & 0xf, aa: (v & 0x0400) !== 0, tc: (v & 0x0200) !== 0,
    rd: (v & 0x0100) !== 0, ra: (v & 0x0080) !== 0, ad: (v & 0x0020) !== 0, cd: (v & 0x0010) !== 0, rcode: v & 0xf,
  };
}

function readRecord(r: Reader): ResourceRecord {
  const name = r.name();
  const type = r.u16("record type");
  const klass = r.u16("record class");
  const ttl = r.u32("record ttl");
  const rdlength = r.u16("rdata length");
  r.need(rdlength, "rdata");
  const end = r.pos + rdlength;
  let data: RecordData;
  if (type === TYPE.NS || type === TYPE.CNAME || type === TYPE.PTR) {
    data = { kind: "name", name: r.name() };
  } else if (type === TYPE.SOA) {
    const mname = r.name();
    const rname = r.name();
    data = { kind: "soa", mname, rname, serial: r.u32("soa"), refresh: r.u32("soa"), retry: r.u32("soa"), expire: r.u32("soa"), minimum: r.u32("soa") };
  } else if (type === TYPE.MX) {
    data = { kind: "mx", preference: r.u16("mx"), exchange: r.name() };
  } else {
    data = { kind: "bytes", bytes: r.bytes(rdlength, "rdata") };
  }
  if (r.pos !== end) throw new DnsFormatError(`rdata of type ${type} is ${rdlength} bytes but its content is ${r.pos - (end - rdlength)}`, r.pos);
  if (type === TYPE.A && rdlength !== 4) throw new DnsFormatError(`A record with ${rdlength} bytes`, end - rdlength);
  if (type === TYPE.AAAA && rdlength !== 16) throw new DnsFormatError(`AAAA record with ${rdlength} bytes`, end - rdlength);
  return { name, type, class: klass, ttl, data };
}

/** Only the 12-byte header: enough to answer FORMERR to a message whose body is broken. */
export function decodeHeader(buf: Uint8Array): { id: number; flags: DnsFlags; counts: [number, number, number, number] } {
  const r = new Reader(buf);
  const id = r.u16("header");
  const flags = readFlags(r.u16("header"));
  return { id, flags, counts: [r.u16("header"), r.u16("header"), r.u16("header"), r.u16("header")] };
}

export function decode(buf: Uint8Array): DnsMessage {
  const { id, flags, counts } = decodeHeader(buf);
  const r = new Reader(buf);
  r.pos = HEADER_SIZE;
  // Each entry takes at least 5 (question) or 11 (record) bytes: refuse counts the buffer cannot hold
  // before allocating anything for them.
  const minimum = counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11;
  if (HEADER_SIZE + minimum > buf.length) throw new DnsFormatError(`section counts ${counts.join("/")} cannot fit in ${buf.length} bytes`, 4);
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16("question type"), class: r.u16("question class") });
  const section = (n: number) => Array.from({ length: n }, () => readRecord(r));
  const answers = section(counts[1]);
  const authorities = section(counts[2]);
  const additionals = section(counts[3]);
  // Trailing bytes are tolerated (some middleboxes pad), as most resolvers do.
  return { id, flags, questions, answers, authorities, additionals };
}

// ---------------------------------------------------------------------------------------------- writing

class Writer {
  private buf = new Uint8Array(512);
  private view = new DataView(this.buf.buffer);
  len = 0;
  /** Lower-cased name suffix → offset of its first occurrence, for compression. */
  private suffixes = new Map<string, number>();

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void { this.grow(1); this.buf[this.len++] = v; }
  u16(v: number): void { this.grow(2); this.view.setUint16(this.len, v); this.len += 2; }
  u32(v: number): void { this.grow(4); this.view.setUint32(this.len, v >>> 0); this.len += 4; }
  bytes(b: Uint8Array): void { this.grow(b.length); this.buf.set(b, this.len); this.len += b.length; }
  setU16(at: number, v: number): void { this.view.setUint16(at, v); }

  name(name: string, compress = true): void {
    const labels = nameToLabels(name);
    const keys = labels.map((_, i) => labels.slice(i).map((l) => labelToText(l, 0, l.length).toLowerCase()).join("."));
    for (let i = 0; i < labels.length; i++) {
      const known = compress ? this.suffixes.get(keys[i]!) : undefined;
      if (known !== undefined) { this.u16(0xc000 | known); return; }
      if (this.len < 0x4000 && !this.suffixes.has(keys[i]!)) this.suffixes.set(keys[i]!, this.len);
      this.u8(labels[i]!.length);
      this.bytes(labels[i]!);
    }
    this.u8(0);
  }
  /** Forget suffixes recorded at or after `len` (the writer was rolled back to there). */
  truncate(len: number): void {
    this.len = len;
    for (const [k, off] of this.suffixes) if (off >= len) this.suffixes.delete(k);
  }
  result(): Uint8Array { return this.buf.slice(0, this.len); }
}

function flagsWord(f: DnsFlags): number {
  return (f.qr ? 0x8000 : 0) | ((f.opcode & 0xf) << 11) | (f.aa ? 0x0400 : 0) | (f.tc ? 0x0200 : 0) | (f.rd ? 0x0100 : 0) |
    (f.ra ? 0x0080 : 0) | (f.ad ? 0x0020 : 0) | (f.cd ? 0x0010 : 0) | (f.rcode & 0xf);
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  w.name(rr.name);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const lengthAt = w.len;
  w.u16(0);
  const d = rr.data;
  // RFC 3597: only the well-known types' rdata names may be compressed.
  if (d.kind === "bytes") w.bytes(d.bytes);
  else if (d.kind === "name") w.name(d.name);
  else if (d.kind === "mx") { w.u16(d.preference); w.name(d.exchange); }
  else { w.name(d.mname); w.name(d.rname); for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v); }
  const rdlength = w.len - lengthAt - 2;
  if (rdlength > 0xffff) throw new DnsFormatError(`rdata of ${rdlength} bytes`, lengthAt);
  w.setU16(lengthAt, rdlength);
}

/**
 * The message as bytes. With `maxSize`, records that do not fit are left out, last section first, and TC is
 * set when an answer or authority record had to go (RFC 2181 §9); the OPT record is kept whenever it fits.
 */
export function encode(msg: DnsMessage, maxSize = 0xffff): Uint8Array {
  const w = new Writer();
  w.u16(msg.id);
  w.u16(flagsWord(msg.flags));
  for (let i = 0; i < 4; i++) w.u16(0);
  for (const q of msg.questions) { w.name(q.name); w.u16(q.type); w.u16(q.class); }
  if (w.len > maxSize) throw new DnsFormatError(`question section alone is ${w.len} bytes, more than ${maxSize}`, HEADER_SIZE);
  const opt = msg.additionals.filter((rr) => rr.type === TYPE.OPT);
  const optSize = opt.reduce((n, rr) => n + 11 + (rr.data.kind === "bytes" ? rr.data.bytes.length : 0), 0);
  const counts = [msg.questions.length, 0, 0, 0];
  let truncated = false;
  const sections: [ResourceRecord[], number][] = [[msg.answers, 1], [msg.authorities, 2], [msg.additionals.filter((rr) => rr.type !== TYPE.OPT), 3]];
  for (const [records, index] of sections) {
    for (const rr of records) {
      if (truncated) break;
      const before = w.len;
      writeRecord(w, rr);
      if (w.len + optSize > maxSize) {
        w.truncate(before);
        if (index !== 3) truncated = true; // a missing additional record is not a truncation
        break;
      }
      counts[index]! += 1;
    }
  }
  for (const rr of opt) {
    const before = w.len;
    writeRecord(w, rr);
    if (w.len > maxSize) { w.truncate(before); break; }
    counts[3]! += 1;
  }
  const out = w.result();
  const view = new DataView(out.buffer);
  if (truncated) view.setUint16(2, flagsWord({ ...msg.flags, tc: true }));
  counts.forEach((c, i) => view.setUint16(4 + 2 * i, c));
  return out;
}

// ---------------------------------------------------------------------------------------------- EDNS0

/** The client's EDNS0 UDP payload size, or undefined without an OPT record. */
export function ednsUdpSize(msg: DnsMessage): number | undefined {
  const opt = msg.additionals.find((rr) => rr.type === TYPE.OPT);
  return opt === undefined ? undefined : opt.class;
}

/** A minimal OPT record (no options) advertising our own UDP payload size. */
export function optRecord(udpSize: number): ResourceRecord {
  return { name: "", type: TYPE.OPT, class: udpSize, ttl: 0, data: { kind: "bytes", bytes: new Uint8Array(0) } };
}

export function emptyFlags(): DnsFlags {
  return { qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 };
}
