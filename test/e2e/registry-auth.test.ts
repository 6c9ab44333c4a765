// Authentication against real registries: htpasswd (Basic) and token (Bearer, with our token server);
// login/logout and the Docker config file; credentials never follow a redirect to another host.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { buildImage, dockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Sandbox } from "./harness.ts";
import { skopeo, skopeoPush, startRegistry, startTokenServer, type Registry, type TokenServer } from "./registry.ts";

const USER = "alice";
const PASS = "s3cret:with colon";
setDefaultTimeout(60_000);
let sb: Sandbox;
let basic: Registry;
let bearer: Registry;
let tokens: TokenServer;
let archive: string;
let dockerConfig: string;
const image = buildImage({ layers: 2, gzip: true, name: "app:1" });

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-auth-");
  const files = join(sb.root, "..", "files");
  mkdirSync(files, { recursive: true });
  dockerConfig = join(sb.root, "..", "docker-config");
  archive = join(files, "app.tar");
  writeFileSync(archive, dockerArchive(image));
  basic = await startRegistry({ htpasswd: { user: USER, password: PASS } });
  tokens = await startTokenServer(files, { name: USER, password: PASS });
  bearer = await startRegistry({ token: { realm: tokens.url, service: tokens.service, issuer: tokens.issuer, certPath: tokens.certPath } });
  const creds = ["--dest-creds", `${USER}:${PASS}`];
  await skopeoPush(archive, `${basic.host}/private/app:1`, creds);
  await skopeoPush(archive, `${bearer.host}/private/app:1`, creds);
  await skopeoPush(archive, `${bearer.host}/public/app:1`, creds);
}, 120_000);
afterAll(async () => {
  await basic?.stop();
  await bearer?.stop();
  tokens?.stop();
  sb?.cleanup();
}, 30_000);

const env = () => ({ DOCKER_CONFIG: dockerConfig });
const run = (args: string[], stdin?: string) => sb.run(args, { env: env(), ...(stdin !== undefined && { stdin }), timeoutMs: 60_000 });
const configFile = () => join(dockerConfig, "config.json");

describe("Basic auth (htpasswd)", () => {
  test("anonymous pull is refused with a hint to log in", async () => {
    const r = await run(["pull", `${basic.host}/private/app:1`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("authentication required");
    expect(r.stderr).toContain("minibox login");
  });

  test("a wrong password fails login and writes nothing", async () => {
    const r = await run(["login", "-u", USER, "--password-stdin", basic.host], "wrong\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("login failed");
    expect(existsSync(configFile())).toBe(false);
  });

  test("login stores base64 credentials (0600), pull and push work, logout forgets them", async () => {
    const r = await run(["login", "-u", USER, "--password-stdin", basic.host], `${PASS}\n`);
    expect(r.stdout).toBe("Login Succeeded\n");
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    const config = JSON.parse(readFileSync(configFile(), "utf8"));
    expect(Buffer.from(config.auths[basic.host].auth, "base64").toString()).toBe(`${USER}:${PASS}`);
    expect((await run(["pull", "-q", `${basic.host}/private/app:1`])).stdout).toBe(`${basic.host}/private/app:1\n`);
    expect((await run(["tag", `${basic.host}/private/app:1`, `${basic.host}/private/copy:2`])).code).toBe(0);
    const push = await run(["push", `${basic.host}/private/copy:2`]);
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(/^2: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    const inspect = await skopeo(["inspect", "--tls-verify=false", "--creds", `${USER}:${PASS}`, `docker://${basic.host}/private/copy:2`]);
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout).Digest).toBe(push.stdout.match(/sha256:[0-9a-f]{64}/)![0]);
    const out = await run(["logout", basic.host]);
    expect(out.stdout).toBe(`Removing login credentials for ${basic.host}\n`);
    expect(JSON.parse(readFileSync(configFile(), "utf8")).auths[basic.host]).toBeUndefined();
    expect((await run(["rmi", `${basic.host}/private/app:1`])).code).toBe(0);
    expect((await run(["pull", `${basic.host}/private/app:1`])).code).toBe(1);
    expect((await run(["logout", basic.host])).stdout).toBe(`Not logged in to ${basic.host}\n`);
  });
});

describe("Bearer tokens", () => {
  test("anonymous token for a public repository", async () => {
    const before = tokens.requests.length;
    const r = await run(["pull", `${bearer.host}/public/app:1`]);
    expect(r.code).toBe(0);
    const seen = tokens.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((q) => q.user === null)).toBe(true);
    expect(seen.some((q) => q.scopes.includes("repository:public/app:pull"))).toBe(true);
    expect((await run(["images", "-q", "--no-trunc", `${bearer.host}/public/app:1`])).stdout).toBe(`${image.configDigest}\n`);
  });

  test("a private repository needs credentials; with them pull and push work", async () => {
    const denied = await run(["pull", `${bearer.host}/private/app:1`]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/access denied anonymously/);
    expect((await run(["login", "-u", USER, "-p", PASS, bearer.host])).stderr).toContain("insecure");
    const before = tokens.requests.length;
    expect((await run(["pull", `${bearer.host}/private/app:1`])).code).toBe(0);
    expect(tokens.requests.slice(before).some((q) => q.user === USER)).toBe(true);
    await run(["tag", `${bearer.host}/private/app:1`, `${bearer.host}/private/app:pushed`]);
    const push = await run(["push", `${bearer.host}/private/app:pushed`]);
    expect(push.code).toBe(0);
    expect(push.stderr).toMatch(/Layer already exists/);
    expect(tokens.requests.slice(before).some((q) => q.scopes.includes("repository:private/app:pull,push"))).toBe(true);
    const copy = await skopeo(["inspect", "--tls-verify=false", "--creds", `${USER}:${PASS}`, `docker://${bearer.host}/private/app:pushed`]);
    expect(copy.code).toBe(0);
    await run(["logout", bearer.host]);
  });
});

describe("redirects", () => {
  test("blob redirects to another host are followed without the registry's credentials", async () => {
    const seenAuth: (string | null)[] = [];
    const basicAuth = `Basic ${btoa(`${USER}:${PASS}`)}`;
    // A "CDN" on another origin serves blobs, fetching them from the registry with its own credentials.
    const cdn = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      fetch: async (req) => {
        seenAuth.push(req.headers.get("authorization"));
        const path = new URL(req.url).pathname;
        return fetch(`http://${basic.host}${path}`, { headers: { authorization: basicAuth } });
      },
    });
    // The registry's front: everything forwarded, except blob GETs, which are redirected to the CDN.
    const front = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      fetch: async (req) => {
        const url = new URL(req.url);
        if (req.method === "GET" && /\/blobs\/sha256:/.test(url.pathname)) {
          return new Response(null, { status: 307, headers: { location: `http://127.0.0.1:${cdn.port}${url.pathname}` } });
        }
        const headers = new Headers(req.headers);
        headers.delete("host");
        const res = await fetch(`http://${basic.host}${url.pathname}${url.search}`, { method: req.method, headers, redirect: "manual" });
        return new Response(res.body, { status: res.status, headers: res.headers });
      },
    });
    try {
      const host = `127.0.0.1:${front.port}`;
      expect((await run(["login", "-u", USER, "--password-stdin", host], PASS)).code).toBe(0);
      // A store of its own, so every blob is fetched (the other tests' store has these layers).
      const r = await sb.run(["pull", `${host}/private/app:1`], { env: { ...env(), MINIBOX_ROOT: join(sb.root, "..", "root-redirect") } });
      expect(r.code).toBe(0);
      expect(seenAuth.length).toBe(3); // config + 2 layers
      expect(seenAuth.every((a) => a === null)).toBe(true);
      await run(["logout", host]);
    } finally {
      front.stop(true);
      cdn.stop(true);
    }
  });
});
