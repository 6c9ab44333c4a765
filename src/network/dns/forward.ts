// Forwarding a query to the upstream resolvers: UDP first (TCP for TCP clients), a retry over TCP when a
// UDP answer comes back truncated, the next upstream on timeout or SERVFAIL/REFUSED. The upstream sees a
// fresh random id (so a spoofed reply must guess it); the caller puts the client's id back.
import { decode, DnsFormatError, HEADER_SIZE, RCODE, type DnsMessage } from "./codec.ts";
import type { Upstream } from "./upstream.ts";

export type Transport = "udp" | "tcp";

/** An answer of an upstream, or undefined when none answered usefully. */
export async function forwardQuery(query: Uint8Array, upstreams: readonly Upstream[], transport: Transport, timeoutMs: number): Promise<Uint8Array | undefined> {
  let fallback: Uint8Array | undefined;
  for (const upstream of upstreams) {
    const id = (Math.random() * 0x10000) >>> 0;
    const outgoing = withId(query, id);
    let reply = transport === "udp" ? await udpExchange(outgoing, id, upstream, timeoutMs) : await tcpExchange(outgoing, id, upstream, timeoutMs);
    // Truncated over UDP: ask the same upstream over TCP; if that fails, the client gets the TC answer and
    // may retry over TCP itself.
    if (reply?.truncated) reply = (await tcpExchange(outgoing, id, upstream, timeoutMs)) ?? reply;
    if (reply === undefined) continue;
    const rcode = reply.bytes[3]! & 0xf;
    if (rcode !== RCODE.SERVFAIL && rcode !== RCODE.REFUSED) return reply.bytes;
    fallback = reply.bytes;
  }
  return fallback;
}

export function withId(message: Uint8Array, id: number): Uint8Array {
  const copy = message.slice();
  copy[0] = id >> 8;
  copy[1] = id & 0xff;
  return copy;
}

interface Reply { bytes: Uint8Array; truncated: boolean }

/** A reply is ours when it is a response with our id and the question we asked (RFC 5452 §9.1). */
function matches(reply: Uint8Array, id: number, question: DnsMessage["questions"]): boolean {
  if (reply.length < HEADER_SIZE || ((reply[0]! << 8) | reply[1]!) !== id || (reply[2]! & 0x80) === 0) return false;
  try {
    const asked = decode(reply).questions;
    return asked.length === question.length && asked.every((q, i) =>
      q.type === question[i]!.type && q.class === question[i]!.class && q.name.toLowerCase() === question[i]!.name.toLowerCase());
  } catch (e) {
    if (e instanceof DnsFormatError) return false;
    throw e;
  }
}

function questionOf(query: Uint8Array): DnsMessage["questions"] {
  return decode(query).questions;
}

async function udpExchange(query: Uint8Array, id: number, upstream: Upstream, timeoutMs: number): Promise<Reply | undefined> {
  const question = questionOf(query);
  const { promise, resolve } = Promise.withResolvers<Reply | undefined>();
  let socket: Awaited<ReturnType<typeof connectUdp>> | undefined;
  const timer = setTimeout(() => resolve(undefined), timeoutMs);
  try {
    socket = await connectUdp(upstream, (data) => {
      if (matches(data, id, question)) resolve({ bytes: data, truncated: (data[2]! & 0x02) !== 0 });
    }, () => resolve(undefined));
    // A refused send (no route, ICMP unreachable) means this upstream is no use right now.
    if (!socket.send(query)) resolve(undefined);
    return await promise;
  } catch (e) {
    if (isUnreachable(e)) return undefined;
    throw e;
  } finally {
    clearTimeout(timer);
    socket?.close();
  }
}

function connectUdp(upstream: Upstream, onData: (data: Uint8Array) => void, onError: () => void) {
  return Bun.udpSocket({
    hostname: upstream.address.includes(":") ? "::" : "0.0.0.0",
    binaryType: "uint8array",
    connect: { hostname: upstream.address, port: upstream.port },
    // ICMP port unreachable and the like arrive here: this upstream will not answer.
    socket: { data: (_s, data) => onData(data), error: () => onError() },
  });
}

/** RFC 7766: each message prefixed by its length in two bytes. */
export function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + 2);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}

/** The whole messages in what a TCP stream has delivered so far (`pending` + `chunk`), and the rest. */
export function unframe(pending: Uint8Array, chunk: Uint8Array): { messages: Uint8Array<ArrayBuffer>[]; rest: Uint8Array<ArrayBuffer> } {
  let buffer = new Uint8Array(pending.length + chunk.length);
  buffer.set(pending);
  buffer.set(chunk, pending.length);
  const messages: Uint8Array<ArrayBuffer>[] = [];
  while (buffer.length >= 2) {
    const length = (buffer[0]! << 8) | buffer[1]!;
    if (buffer.length < 2 + length) break;
    messages.push(buffer.slice(2, 2 + length));
    buffer = buffer.slice(2 + length);
  }
  return { messages, rest: buffer };
}

async function tcpExchange(query: Uint8Array, id: number, upstream: Upstream, timeoutMs: number): Promise<Reply | undefined> {
  const question = questionOf(query);
  const { promise, resolve } = Promise.withResolvers<Reply | undefined>();
  const timer = setTimeout(() => resolve(undefined), timeoutMs);
  let received = new Uint8Array(0);
  let socket: Awaited<ReturnType<typeof Bun.connect>> | undefined;
  try {
    socket = await Bun.connect({
      hostname: upstream.address, port: upstream.port,
      socket: {
        binaryType: "uint8array",
        data(_s, chunk: Uint8Array) {
          const { messages, rest } = unframe(received, chunk);
          received = rest;
          for (const message of messages) if (matches(message, id, question)) resolve({ bytes: message, truncated: false });
        },
        close() { resolve(undefined); },
        error() { resolve(undefined); },
      },
    });
    socket.write(frame(query));
    return await promise;
  } catch (e) {
    if (isUnreachable(e)) return undefined;
    throw e;
  } finally {
    clearTimeout(timer);
    socket?.end();
  }
}

/** The errors that mean "this upstream cannot be reached now": try the next one. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH", "EHOSTDOWN", "ENETDOWN", "ETIMEDOUT", "EADDRNOTAVAIL", "EAFNOSUPPORT", "EPERM", "EACCES", "EPIPE"]);

function isUnreachable(e: unknown): boolean {
  return e instanceof Error && UNREACHABLE.has((e as NodeJS.ErrnoException).code ?? "");
}
