// The HTTP side of the distribution API for one repository: retries with backoff (429/5xx/network),
// redirects followed by hand so credentials never travel to another host, and authentication from the
// registry's challenge (anonymous or credentialed Bearer tokens, Basic).
import { parseWwwAuthenticate, type Challenge } from "./challenge.ts";
import { lookupCredentials, type Credentials } from "./credentials.ts";
import { registryBaseUrl } from "./endpoint.ts";
import { RegistryAuthError, RegistryError, RegistryUnreachableError, type RegistryContext } from "./errors.ts";
import { DEFAULT_RETRY, parseRetryAfter, retryDelay, retryableNetworkError, retryableStatus, shouldRetry, sleep, type RetryPolicy } from "./retry.ts";

export type Action = "pull" | "push";

export interface ClientOptions {
  actions?: Action[];
  /** Explicit credentials (login); default: from the Docker config file. */
  credentials?: Credentials | null;
  retry?: RetryPolicy;
  signal?: AbortSignal;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A function, so the body can be made again for a retry. */
  body?: () => NonNullable<RequestInit["body"]>;
  digest?: string;
  /** Statuses handed back to the caller instead of being retried (e.g. 404 for HEAD). */
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 10;
const HEADER_TIMEOUT_MS = Number(process.env.MINIBOX_REGISTRY_TIMEOUT_MS) || 60_000;

export class RegistryClient {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly actions: Action[];
  private readonly retry: RetryPolicy;
  private readonly credentials: Credentials | undefined;
  private authorization: string | undefined;
  private challenge: Challenge | undefined;

  constructor(readonly registry: string, readonly repository: string | undefined, opts: ClientOptions = {}) {
    this.baseUrl = registryBaseUrl(registry);
    this.origin = new URL(this.baseUrl).origin;
    this.actions = opts.actions ?? ["pull"];
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.credentials = opts.credentials === null ? undefined : opts.credentials ?? lookupCredentials(registry);
    this.signal = opts.signal;
  }

  private readonly signal: AbortSignal | undefined;

  context(extra: Partial<RegistryContext> = {}): RegistryContext {
    return { registry: this.registry, ...(this.repository !== undefined && { repository: this.repository }), ...extra };
  }

  /** GET /v2/: checks that this is a registry and learns how it wants to be authenticated. */
  async ping(): Promise<void> {
    const res = await this.send(`${this.baseUrl}/v2/`, {}, false);
    await res.body?.cancel();
    if (res.status === 401) {
      this.challenge = parseWwwAuthenticate(res.headers.get("www-authenticate"))[0];
      if (!this.challenge) throw new RegistryAuthError(this.context({ status: 401 }), "authentication required, but the registry sent no challenge");
      await this.authenticate();
      return;
    }
    if (res.status !== 200) throw new RegistryError(this.context({ status: res.status }), "not a registry (GET /v2/ failed)");
  }

  /** `login`: authenticates with the given credentials and fails if the registry refuses them. */
  async verifyLogin(): Promise<void> {
    await this.ping();
    if (!this.authorization) return; // the registry asks for nothing
    const res = await this.send(`${this.baseUrl}/v2/`, {}, true);
    await res.body?.cancel();
    if (res.status === 401 || res.status === 403) throw new RegistryAuthError(this.context({ status: res.status }), "login failed: unauthorized");
  }

  /** A request to a path under /v2/<repository>/ (or a full URL, e.g. an upload location). */
  async request(pathOrUrl: string, opts: RequestOptions = {}): Promise<Response> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}/v2/${this.repository}/${pathOrUrl}`;
    let res = await this.send(url, opts, true);
    if (res.status === 401) {
      // First contact, or an expired token: learn the challenge, authenticate once, try again.
      this.challenge = parseWwwAuthenticate(res.headers.get("www-authenticate"))[0] ?? this.challenge;
      await res.body?.cancel();
      if (!this.challenge) throw new RegistryAuthError(this.context({ status: 401, ...(opts.digest && { digest: opts.digest }) }), "authentication required");
      await this.authenticate();
      res = await this.send(url, opts, true);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      const who = this.credentials ? `as ${this.credentials.username}` : "anonymously (no credentials; try 'minibox login')";
      throw new RegistryAuthError(this.context({ status: res.status, ...(opts.digest && { digest: opts.digest }) }),
        `access denied ${who} for ${this.actions.join(",")}`);
    }
    return res;
  }

  private scope(): string | undefined {
    return this.repository === undefined ? undefined : `repository:${this.repository}:${this.actions.join(",")}`;
  }

  private async authenticate(): Promise<void> {
    const c = this.challenge;
    if (!c) return;
    if (c.scheme === "basic") {
      if (!this.credentials) throw new RegistryAuthError(this.context({ status: 401 }), "authentication required (no credentials; try 'minibox login')");
      this.authorization = `Basic ${btoa(`${this.credentials.username}:${this.credentials.password}`)}`;
      return;
    }
    if (c.scheme !== "bearer") throw new RegistryAuthError(this.context({ status: 401 }), `unsupported authentication scheme "${c.scheme}"`);
    const realm = c.params.realm;
    if (!realm || !/^https?:\/\//.test(realm)) throw new RegistryAuthError(this.context({ status: 401 }), "Bearer challenge without a usable realm");
    const url = new URL(realm);
    if (c.params.service) url.searchParams.set("service", c.params.service);
    const scope = this.scope();
    if (scope) url.searchParams.append("scope", scope);
    if (c.params.scope && c.params.scope !== scope) url.searchParams.append("scope", c.params.scope);
    const headers: Record<string, string> = {};
    if (this.credentials) headers.authorization = `Basic ${btoa(`${this.credentials.username}:${this.credentials.password}`)}`;
    // The token server is its own origin: credentials go there on purpose, but never to its redirects.
    const res = await this.send(url.toString(), { headers }, false);
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new RegistryAuthError(this.context({ status: res.status }), `token server ${url.origin} refused the ${this.credentials ? "credentials" : "anonymous request"}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new RegistryAuthError(this.context({ status: res.status }), `token server ${url.origin} failed`);
    }
    let body: { token?: string; access_token?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new RegistryAuthError(this.context(), `token server ${url.origin} sent no JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryAuthError(this.context(), `token server ${url.origin} sent no token`);
    this.authorization = `Bearer ${token}`;
  }

  /**
   * One logical request: redirects followed (credentials only to the registry's own origin, or to the
   * origin they were given for), retries on 429/5xx and network errors. Any other status is returned.
   */
  private async send(startUrl: string, opts: RequestOptions, withAuth: boolean): Promise<Response> {
    let attempt = 0;
    for (;;) {
      attempt++;
      let url = startUrl;
      const startOrigin = new URL(startUrl).origin;
      let res: Response;
      try {
        for (let hop = 0; ; hop++) {
          const headers: Record<string, string> = { "user-agent": "minibox/0.1", ...opts.headers };
          const sameOrigin = new URL(url).origin === startOrigin;
          if (!sameOrigin) delete headers.authorization;
          if (withAuth && this.authorization && new URL(url).origin === this.origin) headers.authorization = this.authorization;
          const timeout = AbortSignal.timeout(HEADER_TIMEOUT_MS);
          const signals = [timeout, this.signal, opts.signal].filter((s): s is AbortSignal => s !== undefined);
          res = await fetch(url, {
            method: hop > 0 && opts.method !== "HEAD" ? "GET" : opts.method ?? "GET",
            headers,
            redirect: "manual",
            signal: AbortSignal.any(signals),
            ...(opts.body && hop === 0 && { body: opts.body() }),
          });
          const location = res.headers.get("location");
          if (res.status >= 300 && res.status < 400 && res.status !== 304 && location && opts.method !== "POST" && opts.method !== "PUT" && opts.method !== "PATCH") {
            await res.body?.cancel();
            if (hop >= MAX_REDIRECTS) throw new RegistryError(this.context({ status: res.status }), "too many redirects");
            url = new URL(location, url).toString();
            continue;
          }
          break;
        }
      } catch (error) {
        if (this.signal?.aborted || opts.signal?.aborted) throw error;
        if (error instanceof RegistryError) throw error;
        const timedOut = (error as Error).name === "TimeoutError";
        if ((timedOut || retryableNetworkError(error)) && shouldRetry(this.retry, attempt)) {
          await sleep(retryDelay(this.retry, attempt));
          continue;
        }
        throw new RegistryUnreachableError(this.context(opts.digest ? { digest: opts.digest } : {}), `${url}: ${(error as Error).message}`);
      }
      if (retryableStatus(res.status) && shouldRetry(this.retry, attempt)) {
        await res.body?.cancel();
        await sleep(retryDelay(this.retry, attempt, parseRetryAfter(res.headers.get("retry-after"))));
        continue;
      }
      return res;
    }
  }
}

/** The error for an unexpected status, with the registry's own message when it sent one. */
export async function statusError(res: Response, context: RegistryContext, what: string): Promise<RegistryError> {
  let detail = "";
  try {
    const body = (await res.json()) as { errors?: { code?: string; message?: string }[] };
    const e = body.errors?.[0];
    if (e) detail = `: ${e.code ?? ""}${e.message ? ` ${e.message}` : ""}`;
  } catch {
    // not JSON
  }
  return new RegistryError({ ...context, status: res.status }, `${what} failed${detail}`);
}
