// compat-run: `--log-driver` and `--log-opt`, as Docker's HostConfig.LogConfig ({Type, Config}). Three
// drivers: json-file (Docker's file format), local (the same files with local's rotation defaults: Docker's
// local driver is a binary format no tool but `docker logs` reads, so nothing is lost by keeping JSON lines;
// it is not compressed), and none (the output is read from the container and dropped).
import { UserError } from "../errors.ts";
import { DEFAULT_MAX_FILES, DEFAULT_MAX_SIZE } from "./json-file.ts";

export type LogDriver = "json-file" | "local" | "none";
export interface LogConfig { Type: LogDriver; Config: Record<string, string> }

const DRIVERS = new Set<string>(["json-file", "local", "none"]);
/** The options each driver understands here (Docker's json-file and local also take compress, labels, env, tag). */
const OPTIONS: Record<LogDriver, string[]> = { "json-file": ["max-size", "max-file"], local: ["max-size", "max-file"], none: [] };
/** Docker's local driver: 20 MB, 5 files. */
const LOCAL_MAX_SIZE = 20 * 1024 * 1024;
const LOCAL_MAX_FILES = 5;

/** The flags, validated at create (before anything is written). */
export function parseLogConfig(driver: string | undefined, opts: readonly string[]): LogConfig {
  const type = driver === undefined || driver === "" ? "json-file" : driver;
  if (!DRIVERS.has(type)) throw new UserError(`logger: no log driver named '${type}' is registered`);
  const config: Record<string, string> = {};
  for (const opt of opts) {
    const eq = opt.indexOf("=");
    if (eq < 1) throw new UserError(`invalid key value pair format in log-opt: '${opt}'`);
    config[opt.slice(0, eq)] = opt.slice(eq + 1);
  }
  const result: LogConfig = { Type: type as LogDriver, Config: config };
  for (const key of Object.keys(config)) {
    if (!OPTIONS[result.Type].includes(key)) throw new UserError(`unknown log opt '${key}' for ${type} log driver`);
  }
  rotation(result); // checks the values
  return result;
}

export interface Rotation { maxSize: number; maxFiles: number }

/** Where the writer rotates; max-size -1 means never (Docker's json-file default, not minibox's). */
export function rotation(config: LogConfig | undefined): Rotation {
  const local = config?.Type === "local";
  const size = config?.Config["max-size"];
  const files = config?.Config["max-file"];
  const maxSize = size === undefined ? (local ? LOCAL_MAX_SIZE : DEFAULT_MAX_SIZE) : size === "-1" ? Infinity : ramInBytes(size);
  let maxFiles = local ? LOCAL_MAX_FILES : DEFAULT_MAX_FILES;
  if (files !== undefined) {
    if (!/^[0-9]+$/.test(files) || !Number.isSafeInteger(Number(files))) throw new UserError(`invalid value for max-file: '${files}': strconv.Atoi: parsing "${files}": invalid syntax`);
    maxFiles = Number(files);
    if (maxFiles < 1) throw new UserError("max-file cannot be less than 1");
  }
  return { maxSize, maxFiles };
}

export function readable(config: LogConfig | undefined): boolean {
  return config?.Type !== "none";
}

/** docker/go-units RAMInBytes: a number with an optional binary unit (k, m, g, t, p; "b"/"ib" allowed). */
function ramInBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (!m) throw new UserError(`invalid size: '${text}'`);
  const unit = { k: 1, m: 2, g: 3, t: 4, p: 5 }[(m[2] ?? "").toLowerCase() as "k"] ?? 0;
  const bytes = Math.floor(Number(m[1]) * 1024 ** unit);
  if (!Number.isSafeInteger(bytes)) throw new UserError(`invalid size: '${text}': value out of range`);
  if (bytes <= 0) throw new UserError("max-size must be a positive number");
  return bytes;
}
