// Health check configuration in Docker's shape (container.HealthConfig: durations in nanoseconds, zero
// meaning "the default"), from the --health-* flags and the image's Healthcheck, merged as moby merges them.
import { UserError } from "../errors.ts";
import { parseGoDuration } from "../logs/since.ts";

export interface HealthConfig {
  /** [] inherit, ["NONE"] off, ["CMD", arg…] exec, ["CMD-SHELL", command] through /bin/sh -c. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** What the probe loop uses: every default filled in (moby's daemon/health.go). */
export interface EffectiveHealth { command: string[]; intervalNs: number; timeoutNs: number; startPeriodNs: number; retries: number }

const SECOND = 1_000_000_000;
const DEFAULT_INTERVAL = 30 * SECOND;
const DEFAULT_TIMEOUT = 30 * SECOND;
const DEFAULT_RETRIES = 3;
const MINIMUM_DURATION = 1_000_000; // 1ms, moby's container.MinimumDuration

export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  retries?: string;
  noHealthcheck: boolean;
}

/** The flags as docker/cli turns them into a HealthConfig; undefined when none was given. */
export function parseHealthFlags(f: HealthFlags): HealthConfig | undefined {
  const interval = duration(f.interval, "--health-interval");
  const timeout = duration(f.timeout, "--health-timeout");
  const startPeriod = duration(f.startPeriod, "--health-start-period");
  const retries = f.retries === undefined ? 0 : integer(f.retries, "--health-retries");
  const cmd = f.cmd ?? "";
  if (f.noHealthcheck) {
    if (cmd !== "" || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0) throw new UserError("--no-healthcheck conflicts with --health-* options");
    return { Test: ["NONE"] };
  }
  if (cmd === "" && f.interval === undefined && f.timeout === undefined && f.startPeriod === undefined && f.retries === undefined) return undefined;
  if (interval < 0) throw new UserError("--health-interval cannot be negative");
  if (timeout < 0) throw new UserError("--health-timeout cannot be negative");
  if (retries < 0) throw new UserError("--health-retries cannot be negative");
  if (startPeriod < 0) throw new UserError("--health-start-period cannot be negative");
  // The daemon's checks (moby daemon/container.go), made here so that nothing is created.
  for (const [name, value] of [["Interval", interval], ["Timeout", timeout], ["StartPeriod", startPeriod]] as const) {
    if (value !== 0 && value < MINIMUM_DURATION) throw new UserError(`${name} in Healthcheck cannot be less than 1ms`);
  }
  return withoutZeros({ Test: cmd === "" ? undefined : ["CMD-SHELL", cmd], Interval: interval, Timeout: timeout, StartPeriod: startPeriod, Retries: retries });
}

/** moby's merge: the container's settings, each unset one taken from the image's. */
export function mergeHealth(image: unknown, user: HealthConfig | undefined): HealthConfig | undefined {
  const parsed = asHealthConfig(image);
  const fromImage = parsed && Object.keys(parsed).length > 0 ? parsed : undefined;
  if (!user) return fromImage;
  if (!fromImage) return user;
  return withoutZeros({
    Test: user.Test?.length ? user.Test : fromImage.Test,
    Interval: user.Interval || fromImage.Interval,
    Timeout: user.Timeout || fromImage.Timeout,
    StartPeriod: user.StartPeriod || fromImage.StartPeriod,
    Retries: user.Retries || fromImage.Retries,
  });
}

/** The probe to run, or undefined when there is none ("NONE", no test, an unknown test type). */
export function effectiveHealth(config: HealthConfig | undefined): EffectiveHealth | undefined {
  const test = config?.Test ?? [];
  let command: string[];
  if (test[0] === "CMD" && test.length > 1) command = test.slice(1);
  else if (test[0] === "CMD-SHELL" && test.length > 1) command = ["/bin/sh", "-c", test.slice(1).join(" ")];
  else return undefined;
  return {
    command,
    intervalNs: config!.Interval || DEFAULT_INTERVAL,
    timeoutNs: config!.Timeout || DEFAULT_TIMEOUT,
    startPeriodNs: config!.StartPeriod || 0,
    retries: config!.Retries || DEFAULT_RETRIES,
  };
}

/** An image's Healthcheck, when it has the right shape (image configs come from anywhere). */
function asHealthConfig(value: unknown): HealthConfig | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const num = (k: string) => (typeof v[k] === "number" && Number.isSafeInteger(v[k]) && (v[k] as number) > 0 ? v[k] as number : undefined);
  const test = Array.isArray(v.Test) && v.Test.every((t) => typeof t === "string") ? v.Test as string[] : undefined;
  return withoutZeros({ Test: test, Interval: num("Interval"), Timeout: num("Timeout"), StartPeriod: num("StartPeriod"), Retries: num("Retries") });
}

/** Go's omitempty: zero durations and counts, and an empty test, are left out of the JSON. */
function withoutZeros(c: HealthConfig): HealthConfig {
  const out: HealthConfig = {};
  if (c.Test?.length) out.Test = c.Test;
  for (const k of ["Interval", "Timeout", "StartPeriod", "Retries"] as const) if (c[k]) out[k] = c[k];
  return out;
}

/** Go's time.ParseDuration, in nanoseconds ("0" is the one number without a unit it takes). */
function duration(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  const ns = /^[+-]?0$/.test(value) ? 0n : parseGoDuration(value);
  if (ns === undefined) throw new UserError(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  if (ns > BigInt(Number.MAX_SAFE_INTEGER) || ns < -BigInt(Number.MAX_SAFE_INTEGER)) throw new UserError(`invalid argument "${value}" for "${flag}" flag: time: invalid duration "${value}"`);
  return Number(ns);
}

function integer(value: string, flag: string): number {
  if (!/^[+-]?[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UserError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  }
  return Number(value);
}

/** Go's Duration.String() for the timeout message ("300ms", "30s", "1m30s"). */
export function goDurationString(ns: number): string {
  if (ns === 0) return "0s";
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${trim(ns / 1_000)}µs`;
  if (ns < SECOND) return `${trim(ns / 1_000_000)}ms`;
  let rest = ns / SECOND;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${trim(rest)}s`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
