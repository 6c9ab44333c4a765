// When to retry a registry request and how long to wait: 429 and 5xx (except 501/505) and network
// errors, up to `attempts` tries, exponential backoff with jitter, Retry-After honoured but capped.
export interface RetryPolicy {
  attempts: number; // total tries, including the first
  baseMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: Number(process.env.MINIBOX_PULL_RETRIES) || 5,
  baseMs: 200,
  maxDelayMs: 10_000,
};

export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Seconds or an HTTP date; undefined when absent or unreadable. Returns milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Delay before try number `attempt + 1` (attempt counts from 1). */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const exp = policy.baseMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, exp / 2 + random() * (exp / 2));
}

export function shouldRetry(policy: RetryPolicy, attempt: number): boolean {
  return attempt < policy.attempts;
}

/** Network failures worth another try (reset, refused while restarting, timeouts, early EOF). */
export function retryableNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? "";
  if (/ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ECONNABORTED|ConnectionClosed|ConnectionRefused|ConnectionReset|UND_ERR|Timeout|SocketClosed/i.test(code)) return true;
  return /reset|socket|closed|timed? ?out|EOF|aborted|connection/i.test(error.message) && error.name !== "AbortError";
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
