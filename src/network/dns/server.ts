// A network's DNS server: answers its containers' names itself (zone.ts) and forwards the rest (forward.ts),
// on UDP and TCP at each listen address. Started by whoever owns the network's lifetime (the monitor);
// `update()` after the network's containers change, `stop()` when the last one leaves.
import type { TCPSocketListener, Socket } from "bun";
import {
  CLASS_ANY, CLASS_IN, CLASSIC_UDP_SIZE, decode, decodeHeader, DnsFormatError, ednsUdpSize, encode, HEADER_SIZE, optRecord, RCODE, TYPE,
  type DnsMessage, type ResourceRecord,
} from "./codec.ts";
import { ZoneIndex, type NameTable } from "./zone.ts";
import { forwardQuery, frame, unframe, withId, type Transport } from "./forward.ts";
import { parseUpstream, type Upstream } from "./upstream.ts";

export interface ListenAddress { address: string; port: number }

export interface DnsServerOptions {
  /** Where to answer, UDP and TCP; port 0 picks a free port (the same for both protocols). */
  listen: readonly ListenAddress[];
  /** The network's containers now; read again after update(). */
  zone: () => NameTable;
  /** The network's domain (e.g. "dns.minibox"): its unknown names get NXDOMAIN instead of being forwarded. */
  domain?: string;
  /** "IP", "IP:PORT" or "[IPv6]:PORT", tried in order. None: forwarded names get SERVFAIL. */
  upstreams: readonly string[];
  /**
   * dns-wire: the upstreams of one client (a container's own --dns, as Docker's per-container resolver
   * has them); undefined falls back to `upstreams`. Called per forwarded query with the client's address.
   */
  upstreamsFor?: (clientAddress: string) => readonly Upstream[] | undefined;
  /**
   * net-finish: the names one client sees, when they are not `zone()` (a container on several networks
   * resolves the names of all of them, as with Docker's per-container resolver). `key` names the table:
   * clients with the same key share one index until update(). Undefined: `zone()`.
   */
  zoneFor?: (clientAddress: string) => { key: string; table: () => NameTable } | undefined;
  /** Per upstream attempt. Docker waits 4 s; glibc gives up on a server after 5 s. */
  timeoutMs?: number;
  /** Told about unexpected failures while handling one query (the query is answered with SERVFAIL). */
  onError?: (error: unknown) => void;
}

export interface DnsServer {
  /** The addresses actually bound (port 0 resolved). */
  readonly endpoints: readonly ListenAddress[];
  update(): void;
  stop(): void;
}

export class DnsListenError extends Error {
  constructor(readonly address: ListenAddress, readonly protocol: Transport, cause: unknown) {
    super(`cannot listen for DNS on ${protocol} ${address.address}:${address.port}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "DnsListenError";
  }
}

/** Our answers advertise this EDNS0 payload size (the DNS flag day 2020 value). */
export const OUR_UDP_SIZE = 1232;
const MAX_TCP_MESSAGE = 0xffff;
/** Queries being forwarded at once; more get SERVFAIL instead of piling up sockets. */
const MAX_IN_FLIGHT = 512;
const TCP_IDLE_SECONDS = 10;
const EXTENDED_RCODE_BADVERS = 16;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const upstreams: Upstream[] = options.upstreams.map(parseUpstream);
  const timeoutMs = options.timeoutMs ?? 4000;
  let index = new ZoneIndex(options.zone(), options.domain);
  let stale = false;
  let inFlight = 0;
  let clientIndexes = new Map<string, ZoneIndex>();
  const indexFor = (client: string): ZoneIndex => {
    const own = options.zoneFor?.(client);
    if (!own) return index;
    let found = clientIndexes.get(own.key);
    if (!found) clientIndexes.set(own.key, found = new ZoneIndex(own.table(), options.domain));
    return found;
  };

  async function respond(query: Uint8Array, transport: Transport, client: string): Promise<Uint8Array | undefined> {
    let msg: DnsMessage;
    try {
      msg = decode(query);
    } catch (e) {
      if (!(e instanceof DnsFormatError)) throw e;
      return formatErrorReply(query);
    }
    if (msg.flags.qr) return undefined; // never answer answers: no loops between servers
    const limit = transport === "tcp" ? MAX_TCP_MESSAGE : Math.max(CLASSIC_UDP_SIZE, ednsUdpSize(msg) ?? CLASSIC_UDP_SIZE);
    if (msg.flags.opcode !== 0) return encode(reply(msg, RCODE.NOTIMP, []), limit);
    if (msg.questions.length !== 1) return encode(reply(msg, RCODE.FORMERR, []), limit);
    const opts = msg.additionals.filter((rr) => rr.type === TYPE.OPT);
    if (opts.length > 1) return encode(reply(msg, RCODE.FORMERR, []), limit); // RFC 6891 §6.1.1
    if (opts.length === 1 && ednsVersion(opts[0]!) !== 0) return encode(badVersion(msg), limit);
    const question = msg.questions[0]!;
    if (stale) { index = new ZoneIndex(options.zone(), options.domain); clientIndexes = new Map(); stale = false; }
    const local = question.class === CLASS_IN || question.class === CLASS_ANY ? indexFor(client).lookup(question.name, question.type) : { kind: "forward" as const };
    if (local.kind === "answer") {
      const own = reply(msg, local.rcode, local.answers);
      own.flags.aa = true;
      return encode(own, limit);
    }
    const targets = options.upstreamsFor?.(client) ?? upstreams;
    if (inFlight >= MAX_IN_FLIGHT || targets.length === 0) return encode(reply(msg, RCODE.SERVFAIL, []), limit);
    inFlight++;
    let answer: Uint8Array | undefined;
    try {
      answer = await forwardQuery(query, targets, transport, timeoutMs);
    } finally {
      inFlight--;
    }
    if (answer === undefined) return encode(reply(msg, RCODE.SERVFAIL, []), limit);
    const restored = withId(answer, msg.id);
    return restored.length <= limit ? restored : shrink(restored, msg, limit);
  }

  async function safeRespond(query: Uint8Array, transport: Transport, client: string): Promise<Uint8Array | undefined> {
    try {
      return await respond(query, transport, client);
    } catch (e) {
      options.onError?.(e);
      try {
        return encode(reply(decode(query), RCODE.SERVFAIL, []), transport === "tcp" ? MAX_TCP_MESSAGE : CLASSIC_UDP_SIZE);
      } catch (again) {
        if (again instanceof DnsFormatError) return undefined;
        throw again;
      }
    }
  }

  const udpSockets: { close(): void }[] = [];
  const tcpListeners: TCPSocketListener<TcpState>[] = [];
  const endpoints: ListenAddress[] = [];
  try {
    for (const wanted of options.listen) {
      const { udp, tcp, port } = await bindBoth(wanted, safeRespond, options.onError);
      udpSockets.push(udp);
      tcpListeners.push(tcp);
      endpoints.push({ address: wanted.address, port });
    }
  } catch (e) {
    for (const s of udpSockets) s.close();
    for (const l of tcpListeners) l.stop(true);
    throw e;
  }

  return {
    endpoints,
    update() { stale = true; },
    stop() {
      for (const s of udpSockets) s.close();
      for (const l of tcpListeners) l.stop(true);
    },
  };
}

/** The reply skeleton to a query: same id, question and RD, RA set (we forward), and EDNS0 if the client used it. */
function reply(query: DnsMessage, rcode: number, answers: ResourceRecord[]): DnsMessage {
  return {
    id: query.id,
    flags: { qr: true, opcode: query.flags.opcode, aa: false, tc: false, rd: query.flags.rd, ra: true, ad: false, cd: query.flags.cd, rcode },
    questions: query.questions,
    answers,
    authorities: [],
    additionals: ednsUdpSize(query) === undefined ? [] : [optRecord(OUR_UDP_SIZE)],
  };
}

/** The EDNS version: bits 16-23 of the OPT record's ttl field. */
function ednsVersion(opt: ResourceRecord): number {
  return (opt.ttl >>> 16) & 0xff;
}

/** BADVERS (16): rcode 0 in the header, extended rcode 1 in our OPT record, version 0 (RFC 6891 §6.1.3). */
function badVersion(query: DnsMessage): DnsMessage {
  const answer = reply(query, 0, []);
  answer.additionals = [{ ...optRecord(OUR_UDP_SIZE), ttl: (EXTENDED_RCODE_BADVERS >> 4) << 24 }];
  return answer;
}

/** FORMERR with the query's id, for queries whose body cannot be read; nothing for non-queries. */
function formatErrorReply(query: Uint8Array): Uint8Array | undefined {
  if (query.length < HEADER_SIZE) return undefined;
  const { id, flags } = decodeHeader(query);
  if (flags.qr) return undefined;
  return encode({ id, flags: { ...flags, qr: true, aa: false, tc: false, ra: true, ad: false, rcode: RCODE.FORMERR }, questions: [], answers: [], authorities: [], additionals: [] });
}

/** An upstream answer too big for the client's UDP limit: the records that fit, and TC. */
function shrink(answer: Uint8Array, query: DnsMessage, limit: number): Uint8Array {
  try {
    return encode(decode(answer), limit);
  } catch (e) {
    if (!(e instanceof DnsFormatError)) throw e;
    const empty = reply(query, answer[3]! & 0xf, []);
    return encode({ ...empty, flags: { ...empty.flags, tc: true } }, limit);
  }
}

// ---------------------------------------------------------------------------------------------- sockets

interface TcpState { buffer: Uint8Array; unsent: Uint8Array }
type Respond = (query: Uint8Array, transport: Transport, client: string) => Promise<Uint8Array | undefined>;

/**
 * A client that went away makes the kernel report its ICMP error on our *next* send on the shared socket,
 * whoever that send is for, and that datagram is not sent (seen with Bun 1.4.4: send() throws
 * ECONNREFUSED for a live client right after answering a closed one). The error is consumed by the
 * failed call, so the send is tried again; it is the gone client's problem, never the server's.
 */
const CLIENT_GONE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EPERM", "EACCES", "EMSGSIZE", "EAGAIN", "ENOBUFS"]);

function sendDatagram(socket: { send(data: Uint8Array, port: number, address: string): boolean }, data: Uint8Array, port: number, address: string, onError?: (e: unknown) => void): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      socket.send(data, port, address);
      return;
    } catch (e) {
      if (!(e instanceof Error && CLIENT_GONE.has((e as NodeJS.ErrnoException).code ?? ""))) { onError?.(e); return; }
    }
  }
}

async function bindBoth(wanted: ListenAddress, respond: Respond, onError?: (e: unknown) => void) {
  // With port 0 the kernel picks the UDP port; TCP then asks for the same one, which may be taken: retry.
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(wanted, respond, onError);
    try {
      const tcp = bindTcp({ address: wanted.address, port: udp.port }, respond);
      return { udp, tcp, port: udp.port };
    } catch (e) {
      udp.close();
      if (wanted.port !== 0 || attempt >= 4) throw e;
    }
  }
}

async function bindUdp(wanted: ListenAddress, respond: Respond, onError?: (e: unknown) => void) {
  try {
    return await Bun.udpSocket({
      hostname: wanted.address, port: wanted.port, binaryType: "uint8array",
      socket: {
        data(socket, data, port, address, flags) {
          if (flags?.truncated) return; // bigger than a DNS message over UDP can be: not DNS
          void respond(data, "udp", address).then((answer) => { if (answer && !socket.closed) sendDatagram(socket, answer, port, address, onError); });
        },
        // Bun 1.4.4 calls this with the error alone (its types say socket, error): take whichever is the Error.
        error(...args: unknown[]) {
          const e = args.find((a) => a instanceof Error);
          if (!CLIENT_GONE.has((e as NodeJS.ErrnoException | undefined)?.code ?? "")) onError?.(e);
        },
      },
    });
  } catch (e) {
    throw new DnsListenError(wanted, "udp", e);
  }
}

function bindTcp(wanted: ListenAddress, respond: Respond): TCPSocketListener<TcpState> {
  try {
    return Bun.listen<TcpState>({
      hostname: wanted.address, port: wanted.port,
      socket: {
        binaryType: "uint8array",
        open(socket) {
          socket.data = { buffer: new Uint8Array(0), unsent: new Uint8Array(0) };
          socket.timeout(TCP_IDLE_SECONDS);
        },
        data(socket, chunk: Uint8Array) { onTcpData(socket, chunk, respond); },
        drain(socket) { send(socket, new Uint8Array(0)); },
        timeout(socket) { socket.end(); },
        error(socket) { socket.end(); },
      },
    });
  } catch (e) {
    throw new DnsListenError(wanted, "tcp", e);
  }
}

function onTcpData(socket: Socket<TcpState>, chunk: Uint8Array, respond: Respond): void {
  const { messages, rest } = unframe(socket.data.buffer, chunk);
  socket.data.buffer = rest;
  for (const query of messages) {
    void respond(query, "tcp", socket.remoteAddress).then((answer) => {
      if (answer) send(socket, frame(answer));
    });
  }
}

/** Writes what the kernel takes now and keeps the rest for the next drain, in order. */
function send(socket: Socket<TcpState>, bytes: Uint8Array): void {
  const state = socket.data;
  let pending = bytes;
  if (state.unsent.length > 0) {
    pending = new Uint8Array(state.unsent.length + bytes.length);
    pending.set(state.unsent);
    pending.set(bytes, state.unsent.length);
  }
  if (pending.length === 0) return;
  const written = socket.write(pending);
  state.unsent = pending.slice(Math.max(0, written));
}
