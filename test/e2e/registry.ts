// Real registries for the e2e tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1 with a
// free port and a temp storage dir, optionally behind htpasswd (Basic) or token (Bearer) auth, with a
// small token server of our own; plus skopeo to put reference images in and check what we push.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Registry {
  host: string; // "127.0.0.1:PORT"
  dir: string;
  stop(): Promise<void>;
}

export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function waitReady(url: string, proc: Bun.Subprocess, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let delay = 10;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited with ${proc.exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry not ready at ${url} after ${deadlineMs} ms`);
    await Bun.sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}

export interface RegistryOptions {
  htpasswd?: { user: string; password: string };
  token?: { realm: string; service: string; issuer: string; certPath: string };
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "minibox-registry-"));
  let proc: Bun.Subprocess | undefined;
  try {
    const lines = [
      "version: 0.1",
      "log:", "  level: error", "  accesslog:", "    disabled: true",
      "storage:", `  filesystem:`, `    rootdirectory: ${join(dir, "data")}`, "  delete:", "    enabled: true",
    ];
    if (opts.htpasswd) {
      // Go's bcrypt reads the $2b$ that Bun writes as well as $2y$; convert anyway, as htpasswd(1) writes $2y$.
      const hash = (await Bun.password.hash(opts.htpasswd.password, { algorithm: "bcrypt", cost: 4 })).replace(/^\$2b\$/, "$2y$");
      writeFileSync(join(dir, "htpasswd"), `${opts.htpasswd.user}:${hash}\n`);
      lines.push("auth:", "  htpasswd:", "    realm: minibox-test", `    path: ${join(dir, "htpasswd")}`);
    } else if (opts.token) {
      lines.push("auth:", "  token:", `    realm: ${opts.token.realm}`, `    service: ${opts.token.service}`,
        `    issuer: ${opts.token.issuer}`, `    rootcertbundle: ${opts.token.certPath}`);
    }
    let lastError: unknown;
    for (let tries = 0; tries < 5; tries++) {
      const port = freePort();
      writeFileSync(join(dir, "config.yml"), [...lines, "http:", `  addr: 127.0.0.1:${port}`, ""].join("\n"));
      proc = Bun.spawn(["/usr/bin/docker-registry", "serve", join(dir, "config.yml")], { stdout: "ignore", stderr: "pipe" });
      try {
        await waitReady(`http://127.0.0.1:${port}/v2/`, proc);
        const running = proc;
        return {
          host: `127.0.0.1:${port}`,
          dir,
          async stop() {
            running.kill("SIGKILL");
            await running.exited;
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (error) {
        lastError = error;
        proc.kill("SIGKILL");
        await proc.exited;
      }
    }
    throw lastError;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * skopeo with no signature policy. Asynchronous on purpose: a token server or proxy served by this
 * same test process must keep answering while skopeo runs.
 */
export async function skopeo(args: string[], env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const p = Bun.spawn(["skopeo", "--insecure-policy", ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env }, timeout: 120_000 });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** Pushes a docker-archive file to docker://host/name:tag; throws with skopeo's message on failure. */
export async function skopeoPush(archive: string, target: string, extra: string[] = []): Promise<void> {
  const r = await skopeo(["copy", "-q", "--dest-tls-verify=false", ...extra, `docker-archive:${archive}`, `docker://${target}`]);
  if (r.code !== 0) throw new Error(`skopeo copy to ${target} failed (${r.code}): ${r.stderr}`);
}

// --- a token server for the Bearer flow ------------------------------------------------------------

export interface TokenServer {
  url: string;
  service: string;
  issuer: string;
  certPath: string;
  /** Every token request seen: the scopes asked for and the user who authenticated (or null). */
  requests: { scopes: string[]; user: string | null }[];
  stop(): void;
}

function b64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString("base64url");
}

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64"));
}

/**
 * A minimal token server: a valid user gets every action asked for; anonymous requests get `pull` on
 * repositories under `public/` only. Tokens are RS256 JWTs carrying the certificate in x5c, which the
 * registry checks against its rootcertbundle.
 */
export async function startTokenServer(dir: string, user: { name: string; password: string }): Promise<TokenServer> {
  const key = join(dir, "token.key");
  const cert = join(dir, "token.crt");
  const gen = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
    "-days", "2", "-subj", "/CN=minibox-test-token"], { stdout: "ignore", stderr: "pipe" });
  if (gen.exitCode !== 0) throw new Error(`openssl failed: ${gen.stderr.toString()}`);
  const certDer = pemBody(readFileSync(cert, "utf8"));
  const signingKey = await crypto.subtle.importKey("pkcs8", pemBody(readFileSync(key, "utf8")), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  const service = "minibox-test-registry";
  const issuer = "minibox-test-issuer";
  const requests: TokenServer["requests"] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const scopes = url.searchParams.getAll("scope");
      let who: string | null = null;
      const auth = req.headers.get("authorization");
      if (auth?.startsWith("Basic ")) {
        const [u, ...p] = Buffer.from(auth.slice(6), "base64").toString().split(":");
        if (u !== user.name || p.join(":") !== user.password) {
          requests.push({ scopes, user: `invalid:${u}` });
          return new Response(JSON.stringify({ details: "bad credentials" }), { status: 401 });
        }
        who = u;
      }
      requests.push({ scopes, user: who });
      const access = scopes.flatMap((s) => {
        const [type, name, actions] = s.split(":");
        if (type !== "repository" || !name || !actions) return [];
        const granted = actions.split(",").filter((a) => who !== null || (a === "pull" && name.startsWith("public/")));
        return [{ type, name, actions: granted }];
      });
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: "RS256", typ: "JWT", x5c: [Buffer.from(certDer).toString("base64")] };
      const claims = { iss: issuer, sub: who ?? "", aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const sig = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", signingKey, new TextEncoder().encode(input)));
      return Response.json({ token: `${input}.${b64url(sig)}`, expires_in: 300 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/token`, service, issuer, certPath: cert, requests,
    stop: () => void server.stop(true),
  };
}
