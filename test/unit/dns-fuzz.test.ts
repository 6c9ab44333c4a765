// Fuzzing the codec with a seeded generator (the seed is in the failure message): random bytes and mutated
// valid messages either decode or throw DnsFormatError — never anything else, never a hang — and what
// decodes re-encodes to a message that decodes to the same thing.
import { describe, expect, test } from "bun:test";
import { CLASS_IN, decode, DnsFormatError, emptyFlags, encode, optRecord, TYPE, type DnsMessage } from "../../src/network/dns/codec.ts";

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.DNS_FUZZ_SEED ?? 20261130);
const ROUNDS = 20_000;

/** decode, and if that works, the encode → decode round trip; returns what went wrong, if anything. */
function probe(bytes: Uint8Array): string | undefined {
  let m: DnsMessage;
  try {
    m = decode(bytes);
  } catch (e) {
    return e instanceof DnsFormatError ? undefined : `decode threw ${String(e)}`;
  }
  let again: Uint8Array;
  try {
    again = encode(m);
  } catch (e) {
    // A decoded name always fits on the wire again; other refusals must still be ours.
    return e instanceof DnsFormatError ? undefined : `encode threw ${String(e)}`;
  }
  try {
    const back = decode(again);
    if (!Bun.deepEquals(stripCase(back), stripCase(m))) return "round trip changed the message";
  } catch (e) {
    return `re-encoded message does not decode: ${String(e)}`;
  }
  return undefined;
}

/** Compression makes a later name take an earlier spelling's case: compare without case. */
function stripCase(m: DnsMessage): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (typeof v === "string" ? v.toLowerCase() : v instanceof Uint8Array ? Array.from(v) : v)));
}

function seeds(): Uint8Array[] {
  const base = (answers: DnsMessage["answers"], extra: Partial<DnsMessage> = {}): DnsMessage => ({
    id: 7, flags: { ...emptyFlags(), qr: true, rd: true, ra: true }, questions: [{ name: "web.net.example", type: TYPE.A, class: CLASS_IN }],
    answers, authorities: [], additionals: [optRecord(1232)], ...extra,
  });
  return [
    encode(base([{ name: "web.net.example", type: TYPE.A, class: CLASS_IN, ttl: 0, data: { kind: "bytes", bytes: Uint8Array.from([10, 88, 0, 2]) } }])),
    encode(base([{ name: "2.0.88.10.in-addr.arpa", type: TYPE.PTR, class: CLASS_IN, ttl: 0, data: { kind: "name", name: "web.net.example" } }])),
    encode(base([], {
      authorities: [{ name: "net.example", type: TYPE.SOA, class: CLASS_IN, ttl: 5, data: { kind: "soa", mname: "ns.net.example", rname: "h.net.example", serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } }],
    })),
    encode(base([
      { name: "mx.net.example", type: TYPE.MX, class: CLASS_IN, ttl: 0, data: { kind: "mx", preference: 1, exchange: "mail.net.example" } },
      { name: "c.net.example", type: TYPE.CNAME, class: CLASS_IN, ttl: 0, data: { kind: "name", name: "web.net.example" } },
      { name: "web.net.example", type: TYPE.AAAA, class: CLASS_IN, ttl: 0, data: { kind: "bytes", bytes: new Uint8Array(16).fill(0xfd) } },
    ])),
  ];
}

describe("fuzz", () => {
  test(`random bytes (seed ${SEED})`, () => {
    const rnd = mulberry32(SEED);
    for (let i = 0; i < ROUNDS; i++) {
      const len = Math.floor(rnd() * 300);
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(rnd() * 256));
      // Small section counts make the random bodies get read at all.
      if (len >= 12 && rnd() < 0.8) for (let k = 4; k < 12; k += 2) { bytes[k] = 0; bytes[k + 1] = Math.floor(rnd() * 4); }
      const problem = probe(bytes);
      if (problem) throw new Error(`seed ${SEED} round ${i}: ${problem}; bytes ${Buffer.from(bytes).toString("hex")}`);
    }
  });

  test(`mutated valid messages: flipped bytes, pointers aimed anywhere, cuts and insertions (seed ${SEED})`, () => {
    const rnd = mulberry32(SEED + 1);
    const valid = seeds();
    let decodedSome = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const bytes = Array.from(valid[i % valid.length]!);
      const edits = 1 + Math.floor(rnd() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * bytes.length);
        const kind = rnd();
        if (kind < 0.4) bytes[at] = Math.floor(rnd() * 256);
        else if (kind < 0.6) { bytes[at] = 0xc0 | Math.floor(rnd() * 4); if (at + 1 < bytes.length) bytes[at + 1] = Math.floor(rnd() * 256); }
        else if (kind < 0.8) bytes.splice(at, 1 + Math.floor(rnd() * 8));
        else bytes.splice(at, 0, ...Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256)));
      }
      const input = Uint8Array.from(bytes);
      const problem = probe(input);
      if (problem) throw new Error(`seed ${SEED} round ${i}: ${problem}; bytes ${Buffer.from(input).toString("hex")}`);
      try { decode(input); decodedSome++; } catch { /* counted above */ }
    }
    // The mutations must leave some messages readable, or this test only tests the error path.
    expect(decodedSome).toBeGreaterThan(ROUNDS / 20);
  });

  test("every truncation of every valid message", () => {
    for (const valid of seeds()) {
      for (let len = 0; len < valid.length; len++) expect(probe(valid.slice(0, len))).toBeUndefined();
    }
  });
});
