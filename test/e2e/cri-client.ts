// runtime area: a minimal CRI (runtime.v1) client for the containerd CRI test: gRPC over HTTP/2 on a unix
// socket (node:http2), with a small protobuf encoder and decoder for the few messages the test sends.
import http2 from "node:http2";
import net from "node:net";

/** A protobuf field: numbers are varints, strings and nested messages length-delimited. */
export type Field = [number, number | string | boolean | Field[]];

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

export function encode(fields: readonly Field[]): Buffer {
  const parts: number[] = [];
  for (const [num, value] of fields) {
    if (typeof value === "number" || typeof value === "boolean") {
      parts.push(...varint((num << 3) | 0), ...varint(Number(value)));
    } else {
      const bytes = typeof value === "string" ? Buffer.from(value) : encode(value);
      parts.push(...varint((num << 3) | 2), ...varint(bytes.length), ...bytes);
    }
  }
  return Buffer.from(parts);
}

/** Decoded fields by number: varints as numbers, length-delimited as Buffers (decode them again if nested). */
export function decode(buf: Buffer): Map<number, (number | Buffer)[]> {
  const out = new Map<number, (number | Buffer)[]>();
  let i = 0;
  const readVarint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const num = key >> 3, type = key & 7;
    let value: number | Buffer;
    if (type === 0) value = Number(BigInt.asIntN(64, readVarint()));
    else if (type === 2) {
      const len = Number(readVarint());
      value = buf.subarray(i, i + len);
      i += len;
    } else if (type === 1) { value = Number(buf.readBigInt64LE(i)); i += 8; }
    else if (type === 5) { value = buf.readInt32LE(i); i += 4; }
    else throw new Error(`protobuf wire type ${type} not handled`);
    out.set(num, [...(out.get(num) ?? []), value]);
  }
  return out;
}

export const str = (m: Map<number, (number | Buffer)[]>, n: number) => (m.get(n)?.[0] as Buffer | undefined)?.toString() ?? "";
export const num = (m: Map<number, (number | Buffer)[]>, n: number) => (m.get(n)?.[0] as number | undefined) ?? 0;
export const msg = (m: Map<number, (number | Buffer)[]>, n: number) => decode((m.get(n)?.[0] as Buffer | undefined) ?? Buffer.alloc(0));

export class CriClient {
  private session: http2.ClientHttp2Session;
  /** runtime.v1, or v1alpha2 where the containerd build serves only that (same messages, same numbers). */
  private api = "runtime.v1";
  constructor(socket: string) {
    this.session = http2.connect("http://localhost", { createConnection: () => net.connect(socket) });
  }

  /** One unary call: /runtime.v1.<service>/<method>; rejects with the grpc-message on a non-zero grpc-status. */
  async call(method: string, request: readonly Field[], service = "RuntimeService", timeoutMs = 60_000): Promise<Map<number, (number | Buffer)[]>> {
    try {
      return await this.unary(`/${this.api}.${service}/${method}`, request, timeoutMs);
    } catch (e) {
      if (this.api !== "runtime.v1" || !String((e as Error).message).includes("unknown service")) throw e;
      this.api = "runtime.v1alpha2";
      return await this.unary(`/${this.api}.${service}/${method}`, request, timeoutMs);
    }
  }

  private unary(path: string, request: readonly Field[], timeoutMs: number): Promise<Map<number, (number | Buffer)[]>> {
    const method = path;
    const body = encode(request);
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    body.copy(frame, 5);
    return new Promise((resolve, reject) => {
      const stream = this.session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
      const timer = setTimeout(() => { stream.close(); reject(new Error(`${method}: no answer in ${timeoutMs} ms`)); }, timeoutMs);
      const chunks: Buffer[] = [];
      let status: string | undefined, message = "";
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
        if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
      };
      stream.on("response", take);
      stream.on("trailers", take);
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", (e) => { clearTimeout(timer); reject(e); });
      stream.on("end", () => {
        clearTimeout(timer);
        if (status !== "0") return reject(new Error(`${method}: grpc-status ${status}: ${message}`));
        const data = Buffer.concat(chunks);
        resolve(decode(data.length >= 5 ? data.subarray(5, 5 + data.readUInt32BE(1)) : Buffer.alloc(0)));
      });
      stream.end(frame);
    });
  }

  close(): void {
    this.session.close();
  }
}
