// For the DNS tests: a fake upstream resolver on a loopback address of the test's choosing (so no test
// ever asks a real resolver), and a small client speaking UDP and TCP.
import type { TCPSocketListener } from "bun";
import { CLASS_IN, decode, emptyFlags, encode, RCODE, TYPE, type DnsMessage, type ResourceRecord } from "../../src/network/dns/codec.ts";
import { frame } from "../../src/network/dns/forward.ts";

export interface SeenQuery { transport: "udp" | "tcp"; id: number; name: string; type: number; edns: boolean }

export interface FakeUpstream { address: string; port: number; seen: SeenQuery[]; stop(): void }

/**
 * Answers: `*.example.test` A 192.0.2.10 (a documentation address); `big.example.test` 100 A records
 * (truncated to none, with TC, over UDP unless the query's EDNS size allows them); `servfail.example.test`
 * SERVFAIL; `silent.example.test` nothing at all; everything else NXDOMAIN.
 */
export async function startFakeUpstream(address: string, opts: { silent?: boolean } = {}): Promise<FakeUpstream> {
  const seen: SeenQuery[] = [];
  const answer = (query: Uint8Array, transport: "udp" | "tcp"): Uint8Array | Uint8Array[] | undefined => {
    const q = decode(query);
    const question = q.questions[0]!;
    const opt = q.additionals.find((r) => r.type === TYPE.OPT);
    seen.push({ transport, id: q.id, name: question.name.toLowerCase(), type: question.type, edns: opt !== undefined });
    if (opts.silent || question.name.toLowerCase() === "silent.example.test") return undefined;
    const reply = (rcode: number, answers: ResourceRecord[]): DnsMessage => ({
      id: q.id, flags: { ...emptyFlags(), qr: true, rd: q.flags.rd, ra: true, rcode }, questions: q.questions, answers, authorities: [], additionals: opt ? [opt] : [],
    });
    const name = question.name.toLowerCase();
    const rr = (i: number): ResourceRecord => ({ name: question.name, type: TYPE.A, class: CLASS_IN, ttl: 30, data: { kind: "bytes", bytes: Uint8Array.from([192, 0, 2, i]) } });
    if (name === "servfail.example.test") return encode(reply(RCODE.SERVFAIL, []));
    if (name === "spoofed.example.test") {
      // A forged answer first: wrong id, then the right id with another question; only then the real one.
      const forged = reply(RCODE.NOERROR, [rr(66)]);
      const real = encode(reply(RCODE.NOERROR, [rr(10)]));
      return transport === "udp" ? [encode({ ...forged, id: q.id ^ 1 }), encode({ ...forged, questions: [{ ...question, name: "other.example.test" }] }), real] : real;
    }
    if (name === "big.example.test") {
      const full = reply(RCODE.NOERROR, Array.from({ length: 100 }, (_, i) => rr(i + 1)));
      const limit = transport === "tcp" ? 0xffff : Math.max(512, opt?.class ?? 512);
      const bytes = encode(full);
      if (bytes.length <= limit) return bytes;
      return encode({ ...reply(RCODE.NOERROR, []), flags: { ...full.flags, tc: true } });
    }
    if (name.endsWith(".example.test") && question.type === TYPE.A) return encode(reply(RCODE.NOERROR, [rr(10)]));
    if (name.endsWith(".example.test")) return encode(reply(RCODE.NOERROR, []));
    return encode(reply(RCODE.NXDOMAIN, []));
  };
  const udp = await Bun.udpSocket({
    hostname: address, port: 0, binaryType: "uint8array",
    socket: {
      data(s, data, port, addr) {
        const a = answer(data, "udp");
        for (const datagram of a instanceof Array ? a : a ? [a] : []) s.send(datagram, port, addr);
      },
    },
  });
  const tcp: TCPSocketListener<{ buf: Uint8Array }> = Bun.listen<{ buf: Uint8Array }>({
    hostname: address, port: udp.port,
    socket: {
      binaryType: "uint8array",
      open(s) { s.data = { buf: new Uint8Array(0) }; },
      data(s, chunk: Uint8Array) {
        const buf = new Uint8Array(s.data.buf.length + chunk.length);
        buf.set(s.data.buf);
        buf.set(chunk, s.data.buf.length);
        s.data.buf = buf;
        while (s.data.buf.length >= 2) {
          const len = (s.data.buf[0]! << 8) | s.data.buf[1]!;
          if (s.data.buf.length < len + 2) return;
          const a = answer(s.data.buf.slice(2, 2 + len), "tcp");
          s.data.buf = s.data.buf.slice(2 + len);
          if (a instanceof Uint8Array) s.write(frame(a));
        }
      },
    },
  });
  return { address, port: udp.port, seen, stop() { udp.close(); tcp.stop(true); } };
}

export function query(name: string, type: number, opts: { id?: number; edns?: number } = {}): DnsMessage {
  return {
    id: opts.id ?? 0x4242, flags: { ...emptyFlags(), rd: true }, questions: [{ name, type, class: CLASS_IN }], answers: [], authorities: [],
    additionals: opts.edns ? [{ name: "", type: TYPE.OPT, class: opts.edns, ttl: 0, data: { kind: "bytes", bytes: new Uint8Array(0) } }] : [],
  };
}

/** Sends raw bytes over UDP and returns the first datagram back, or undefined after `ms`. */
export async function udpExchange(address: string, port: number, bytes: Uint8Array, ms = 10_000): Promise<Uint8Array | undefined> {
  const { promise, resolve } = Promise.withResolvers<Uint8Array | undefined>();
  const timer = setTimeout(() => resolve(undefined), ms);
  const socket = await Bun.udpSocket({
    hostname: address.includes(":") ? "::" : "0.0.0.0", binaryType: "uint8array", connect: { hostname: address, port }, socket: { data: (_s, d) => resolve(d) },
  });
  try {
    socket.send(bytes);
    return await promise;
  } finally {
    clearTimeout(timer);
    socket.close();
  }
}

/** Sends framed messages over one TCP connection and collects `count` framed replies. */
export async function tcpExchange(address: string, port: number, messages: Uint8Array[], count = messages.length, ms = 10_000): Promise<Uint8Array[]> {
  const replies: Uint8Array[] = [];
  let buf = new Uint8Array(0);
  const { promise, resolve, reject } = Promise.withResolvers<Uint8Array[]>();
  const timer = setTimeout(() => reject(new Error(`only ${replies.length} of ${count} TCP replies within ${ms} ms`)), ms);
  // A refused connection throws here: the timer must not outlive it and reject with no one listening
  // (an unhandled rejection is blamed on whichever test runs 2 s later).
  const socket = await Bun.connect({
    hostname: address, port,
    socket: {
      binaryType: "uint8array",
      data(_s, chunk: Uint8Array) {
        const next = new Uint8Array(buf.length + chunk.length);
        next.set(buf);
        next.set(chunk, buf.length);
        buf = next;
        while (buf.length >= 2 && buf.length >= 2 + ((buf[0]! << 8) | buf[1]!)) {
          const len = (buf[0]! << 8) | buf[1]!;
          replies.push(buf.slice(2, 2 + len));
          buf = buf.slice(2 + len);
        }
        if (replies.length >= count) resolve(replies);
      },
      close() { if (replies.length < count) reject(new Error(`connection closed after ${replies.length} of ${count} replies`)); },
    },
  }).catch((e: unknown) => {
    clearTimeout(timer);
    throw e;
  });
  try {
    const all = messages.map(frame);
    const joined = new Uint8Array(all.reduce((n, m) => n + m.length, 0));
    let at = 0;
    for (const m of all) { joined.set(m, at); at += m.length; }
    socket.write(joined);
    return await promise;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}

