// The DNS message codec: header flags, sections, name compression both ways, EDNS0, truncation, and the
// malformed inputs (pointer loops above all) that must end in DnsFormatError.
import { describe, expect, test } from "bun:test";
import {
  CLASS_IN, decode, decodeHeader, DnsFormatError, ednsUdpSize, emptyFlags, encode, nameToLabels, optRecord, TYPE,
  type DnsMessage, type ResourceRecord,
} from "../../src/network/dns/codec.ts";

const a = (name: string, ip: number[]): ResourceRecord => ({ name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: { kind: "bytes", bytes: Uint8Array.from(ip) } });
const msg = (over: Partial<DnsMessage> = {}): DnsMessage => ({
  id: 0x1234, flags: emptyFlags(), questions: [], answers: [], authorities: [], additionals: [], ...over,
});
const hex = (s: string) => Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
function expectFormatError(bytes: Uint8Array, pattern: RegExp): void {
  let caught: unknown;
  try { decode(bytes); } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(DnsFormatError);
  expect((caught as Error).message).toMatch(pattern);
}

describe("header", () => {
  test("every flag bit and the rcode survive a round trip, each on its own", () => {
    const names = ["qr", "aa", "tc", "rd", "ra", "ad", "cd"] as const;
    for (const flag of names) {
      const m = msg({ flags: { ...emptyFlags(), [flag]: true } });
      expect(decode(encode(m)).flags).toEqual(m.flags);
    }
    const m = msg({ flags: { ...emptyFlags(), opcode: 5, rcode: 3 } });
    expect(decode(encode(m)).flags).toEqual(m.flags);
  });
  test("known bytes: a query for example.com A with RD", () => {
    const bytes = hex("abcd 0100 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0001 0001");
    const m = decode(bytes);
    expect(m.id).toBe(0xabcd);
    expect(m.flags.rd).toBe(true);
    expect(m.flags.qr).toBe(false);
    expect(m.questions).toEqual([{ name: "example.com", type: TYPE.A, class: CLASS_IN }]);
    expect(encode(m)).toEqual(bytes);
  });
  test("decodeHeader reads only the 12 bytes", () => {
    expect(decodeHeader(hex("0001 8183 0005 0000 0000 0000 ff")).counts).toEqual([5, 0, 0, 0]);
  });
});

describe("names", () => {
  test("RFC 1035 §4.1.4 example: F.ISI.ARPA, FOO.F.ISI.ARPA (pointer), and a pointer to ARPA", () => {
    // header, then at 12: F.ISI.ARPA A IN; at 28: FOO + ptr(12) A IN; at 38: ptr(18) (= ARPA) A IN.
    const bytes = hex("0000 0000 0003 0000 0000 0000" +
      "01 46 03 495349 04 41525041 00 0001 0001" +
      "03 464f4f c00c 0001 0001" +
      "c012 0001 0001");
    expect(decode(bytes).questions.map((q) => q.name)).toEqual(["F.ISI.ARPA", "FOO.F.ISI.ARPA", "ARPA"]);
  });
  test("writing compresses repeated suffixes, case-insensitively", () => {
    const m = msg({
      flags: { ...emptyFlags(), qr: true },
      questions: [{ name: "web.Example.org", type: TYPE.A, class: CLASS_IN }],
      answers: [a("WEB.example.org", [10, 0, 0, 2]), a("db.example.ORG", [10, 0, 0, 3])],
    });
    const bytes = encode(m);
    // question name at 12 (17 bytes); first answer's name is a pointer to it; the second is "db" + pointer to "example.org" at 16.
    expect(bytes.slice(33, 35)).toEqual(Uint8Array.from([0xc0, 12]));
    expect(Array.from(bytes.slice(49, 54))).toEqual([2, 0x64, 0x62, 0xc0, 16]);
    expect(bytes.length).toBe(12 + 17 + 4 + (2 + 10 + 4) + (5 + 10 + 4));
    const back = decode(bytes);
    expect(back.answers.map((r) => r.name)).toEqual(["web.Example.org", "db.Example.org"]); // spelled as first written
  });
  test("names in PTR, CNAME, NS, MX and SOA rdata are compressed and decompressed", () => {
    const records: ResourceRecord[] = [
      { name: "2.0.0.10.in-addr.arpa", type: TYPE.PTR, class: CLASS_IN, ttl: 0, data: { kind: "name", name: "web.example.org" } },
      { name: "alias.example.org", type: TYPE.CNAME, class: CLASS_IN, ttl: 0, data: { kind: "name", name: "web.example.org" } },
      { name: "example.org", type: TYPE.NS, class: CLASS_IN, ttl: 0, data: { kind: "name", name: "ns.example.org" } },
      { name: "example.org", type: TYPE.MX, class: CLASS_IN, ttl: 0, data: { kind: "mx", preference: 10, exchange: "mail.example.org" } },
      { name: "example.org", type: TYPE.SOA, class: CLASS_IN, ttl: 0, data: { kind: "soa", mname: "ns.example.org", rname: "hostmaster.example.org", serial: 2026113001, refresh: 1, retry: 2, expire: 3, minimum: 0xffffffff } },
    ];
    const m = msg({ answers: records });
    const bytes = encode(m);
    expect(decode(bytes).answers).toEqual(records);
    expect(bytes.length).toBeLessThan(encodeWithoutCompressionSize(records));
  });
  test("dots, backslashes and unprintable bytes inside labels round-trip through the escaped text form", () => {
    const name = "a\\.b.c\\\\d.\\000\\255x.y z";
    expect(nameToLabels(name).map((l) => Array.from(l))).toEqual([[0x61, 0x2e, 0x62], [0x63, 0x5c, 0x64], [0, 255, 0x78], [0x79, 0x20, 0x7a]]);
    const m = msg({ questions: [{ name: "a\\.b.c\\\\d.\\000\\255x.y\\032z", type: 1, class: 1 }] });
    expect(decode(encode(m)).questions[0]!.name).toBe("a\\.b.c\\\\d.\\000\\255x.y\\032z");
  });
  test("the root, a trailing dot, and limits: 63-byte labels and 255-byte names", () => {
    expect(decode(encode(msg({ questions: [{ name: "", type: TYPE.NS, class: 1 }] }))).questions[0]!.name).toBe("");
    expect(decode(encode(msg({ questions: [{ name: "example.com.", type: 1, class: 1 }] }))).questions[0]!.name).toBe("example.com");
    const label63 = "x".repeat(63);
    expect(() => nameToLabels(label63)).not.toThrow();
    expect(() => nameToLabels("x".repeat(64))).toThrow(DnsFormatError);
    const longest = [label63, label63, label63, "x".repeat(61)].join("."); // 4 * 64 - 2 + 1 = 255 bytes on the wire
    expect(() => nameToLabels(longest)).not.toThrow();
    expect(() => nameToLabels(longest + "x")).toThrow(/longer than 255/);
    expect(() => nameToLabels("a..b")).toThrow(/empty label/);
    expect(() => nameToLabels("a\\")).toThrow(/backslash/);
    expect(() => nameToLabels("ä€")).toThrow(/Latin-1/);
  });
});

describe("malformed input is a DnsFormatError", () => {
  const header = (qd: number, an = 0) => `0000 0000 ${qd.toString(16).padStart(4, "0")} ${an.toString(16).padStart(4, "0")} 0000 0000`;
  test("short header", () => {
    expectFormatError(new Uint8Array(0), /header/);
    expectFormatError(hex("0000 0000 0001 00"), /header/);
  });
  test("a pointer to itself", () => expectFormatError(hex(header(1) + "c00c 0001 0001"), /does not point backwards/));
  test("a pointer forwards", () => expectFormatError(hex(header(1) + "c00e 01 61 00 0001 0001"), /does not point backwards/));
  test("two pointers pointing at each other", () => {
    // at 12: "a" then pointer to 17; at 17 (a later question's name): pointer back to 12: forward pointer refused.
    expectFormatError(hex(header(2) + "01 61 c011 0001 0001 c00c 0001 0001"), /does not point backwards/);
  });
  test("a pointer into the middle of the name that holds it (a loop through labels)", () => {
    // at 12: "a" at 12, pointer at 14 to 12: points backwards, but into the same name: a loop without the rule.
    expectFormatError(hex(header(1) + "01 61 c00c 0001 0001"), /does not point backwards/);
  });
  test("a chain of backward pointers through labels is fine", () => {
    const m = decode(hex(header(3) + "01 61 00 0001 0001" + "01 62 c00c 0001 0001" + "01 63 c013 0001 0001"));
    expect(m.questions.map((q) => q.name)).toEqual(["a", "b.a", "c.b.a"]);
  });
  test("reserved label types 0x40 and 0x80", () => {
    expectFormatError(hex(header(1) + "41 61 00 0001 0001"), /label type 0x40/);
    expectFormatError(hex(header(1) + "81 61 00 0001 0001"), /label type 0x80/);
  });
  test("a name over 255 bytes made of pointers", () => {
    // four 63-byte labels in a row at 12, then "x" + pointer → 64 * 4 + 2 + 1 > 255
    const label = "3f" + "78".repeat(63);
    expectFormatError(hex(header(2) + label.repeat(4) + "00 0001 0001" + "01 78 c00c 0001 0001"), /longer than 255/);
  });
  test("a label or a pointer running past the end", () => {
    // (each at least 5 bytes after the header, so that the count check lets them through)
    expectFormatError(hex(header(1) + "0a 6162 0000 00"), /label runs past/);
    expectFormatError(hex(header(1) + "01 61 01 62 c0"), /pointer runs past/);
    expectFormatError(hex(header(1) + "01 61 01 62 01 63"), /name runs past/);
    expectFormatError(hex(header(1) + "01 61 01 62 00 00"), /question type runs past/);
  });
  test("section counts that cannot fit are refused before reading", () => {
    expectFormatError(hex("0000 0000 ffff ffff ffff ffff 00"), /cannot fit/);
  });
  test("rdata: length past the end, A of 5 bytes, AAAA of 4, a PTR name longer than its rdata", () => {
    const rr = (type: string, len: string, data: string) => hex(header(0, 1) + `00 ${type} 0001 00000000 ${len} ${data}`);
    expectFormatError(rr("0001", "0010", "0a000001"), /rdata runs past/);
    expectFormatError(rr("0001", "0005", "0a00000102"), /A record with 5 bytes/);
    expectFormatError(rr("001c", "0004", "0a000001"), /AAAA record with 4 bytes/);
    expectFormatError(rr("000c", "0002", "01 61 00"), /rdata of type 12/);
  });
});

describe("EDNS0 and truncation", () => {
  test("the OPT record passes through with its size, extended flags (DO) and options intact", () => {
    const opt: ResourceRecord = { name: "", type: TYPE.OPT, class: 4096, ttl: 0x00008000, data: { kind: "bytes", bytes: hex("000a 0008 0102030405060708") } };
    const m = decode(encode(msg({ questions: [{ name: "x", type: 1, class: 1 }], additionals: [opt] })));
    expect(m.additionals).toEqual([opt]);
    expect(ednsUdpSize(m)).toBe(4096);
    expect(ednsUdpSize(msg())).toBeUndefined();
    expect(optRecord(1232)).toMatchObject({ name: "", type: TYPE.OPT, class: 1232 });
  });
  const many = (n: number) => Array.from({ length: n }, (_, i) => a("big.example", [10, 0, i >> 8, i & 0xff]));
  test("answers beyond the limit are dropped and TC is set; what is left is whole and ≤ the limit", () => {
    const m = msg({ flags: { ...emptyFlags(), qr: true }, questions: [{ name: "big.example", type: 1, class: 1 }], answers: many(100) });
    const full = encode(m);
    expect(full.length).toBeGreaterThan(512);
    const cut = encode(m, 512);
    expect(cut.length).toBeLessThanOrEqual(512);
    const back = decode(cut);
    expect(back.flags.tc).toBe(true);
    expect(back.answers.length).toBe(Math.floor((512 - 12 - 15) / 16)); // each answer: pointer (2) + 10 + 4
    expect(back.answers).toEqual(m.answers.slice(0, back.answers.length));
    expect(decode(full).flags.tc).toBe(false);
  });
  test("the OPT record is kept when answers are cut", () => {
    const m = msg({ questions: [{ name: "big.example", type: 1, class: 1 }], answers: many(100), additionals: [optRecord(1232)] });
    const back = decode(encode(m, 600));
    expect(back.flags.tc).toBe(true);
    expect(back.additionals).toEqual([optRecord(1232)]);
    expect(encode(m, 600).length).toBeLessThanOrEqual(600);
  });
  test("dropping additional records alone does not set TC", () => {
    const m = msg({ questions: [{ name: "x", type: 1, class: 1 }], answers: many(1), additionals: many(60) });
    const back = decode(encode(m, 512));
    expect(back.flags.tc).toBe(false);
    expect(back.answers.length).toBe(1);
    expect(back.additionals.length).toBeLessThan(60);
  });
});

/** Size the same records would take with every name written out in full. */
function encodeWithoutCompressionSize(records: ResourceRecord[]): number {
  const nameSize = (n: string) => nameToLabels(n).reduce((s, l) => s + 1 + l.length, 1);
  return 12 + records.reduce((s, r) => {
    const d = r.data;
    const rdata = d.kind === "bytes" ? d.bytes.length : d.kind === "name" ? nameSize(d.name) : d.kind === "mx" ? 2 + nameSize(d.exchange) : nameSize(d.mname) + nameSize(d.rname) + 20;
    return s + nameSize(r.name) + 10 + rdata;
  }, 0);
}
