// A programmable HTTP proxy in front of a real registry, for fault injection: every request is logged,
// and a test's `fault` hook may answer instead of the registry (truncate, corrupt, stall, 5xx, 429…).
export interface LoggedRequest {
  method: string;
  path: string;
  range: string | null;
  status: number;
  at: number;
}

export type Fault = (req: Request, url: URL, forward: (req: Request) => Promise<Response>) => Promise<Response | undefined> | Response | undefined;

export interface FaultProxy {
  host: string;
  log: LoggedRequest[];
  fault: Fault | undefined;
  stop(): void;
}

export function startFaultProxy(upstream: string): FaultProxy {
  const forward = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("host");
    const res = await fetch(`http://${upstream}${url.pathname}${url.search}`, {
      method: req.method, headers, redirect: "manual",
      ...(req.method !== "GET" && req.method !== "HEAD" && { body: await req.arrayBuffer() }),
    });
    const out = new Headers(res.headers);
    out.delete("content-encoding");
    return new Response(res.body, { status: res.status, headers: out });
  };
  const proxy: FaultProxy = {
    host: "",
    log: [],
    fault: undefined,
    stop: () => void server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const res = (await proxy.fault?.(req, url, forward)) ?? (await forward(req));
      proxy.log.push({ method: req.method, path: url.pathname, range: req.headers.get("range"), status: res.status, at: Date.now() });
      return res;
    },
  });
  proxy.host = `127.0.0.1:${server.port}`;
  return proxy;
}

/** The body of `res` cut after `keep` bytes with a connection error (the Content-Length stays the full one). */
export function truncated(res: Response, keep: number, opts: { stall?: () => void } = {}): Response {
  const reader = res.body!.getReader();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= keep) {
        if (opts.stall) { opts.stall(); await new Promise(() => {}); }
        // Drop the connection a moment after the last bytes, as a real network does: cut at once, Bun
        // may discard what is still in its socket buffer, and the client would have nothing to resume.
        await Bun.sleep(150);
        controller.error(new Error("connection cut by the fault proxy"));
        return;
      }
      const { done, value } = await reader.read();
      if (done) { controller.close(); return; }
      const part = value.subarray(0, Math.min(value.length, keep - sent));
      sent += part.length;
      controller.enqueue(part);
    },
    cancel() { void reader.cancel(); },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}

/** The same bytes with one flipped in the middle. */
export async function corrupted(res: Response): Promise<Response> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  const at = bytes.length >> 1;
  bytes[at] = bytes[at]! ^ 0xff;
  return new Response(bytes, { status: res.status, headers: res.headers });
}
