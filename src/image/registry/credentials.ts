// Registry credentials in Docker's client config (~/.docker/config.json, or $DOCKER_CONFIG/config.json):
// `auths` maps a registry to {auth: base64("user:password")}. login/logout rewrite the file atomically
// with mode 0600 and keep every other field. Credential helpers (credsStore) are not supported.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { UserError } from "../../errors.ts";
import { DEFAULT_DOMAIN } from "../reference.ts";

export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";

export interface Credentials {
  username: string;
  password: string;
}

interface AuthEntry { auth?: string; username?: string; password?: string; identitytoken?: string }
interface DockerConfig { auths?: Record<string, AuthEntry>; [other: string]: unknown }

export class DockerConfigError extends UserError {
  constructor(readonly path: string, why: string) {
    super(`${path}: ${why}`);
    this.name = "DockerConfigError";
  }
}

export function dockerConfigPath(env = process.env): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, "config.json");
  return join(env.HOME || "/root", ".docker", "config.json");
}

/** "https://index.docker.io/v1/" → "docker.io"; "http://host:5000/v2/" → "host:5000". */
export function registryKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, "");
  k = k.split("/")[0]!.toLowerCase();
  if (k === "index.docker.io" || k === "registry-1.docker.io" || k === "registry.hub.docker.com") return DEFAULT_DOMAIN;
  return k;
}

/** The key Docker writes for a registry: Docker Hub keeps its historical URL. */
export function authKeyFor(registry: string): string {
  return registryKey(registry) === DEFAULT_DOMAIN ? DOCKER_HUB_AUTH_KEY : registryKey(registry);
}

export function readDockerConfig(path = dockerConfigPath()): DockerConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new DockerConfigError(path, (error as Error).message);
  }
  if (!text.trim()) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as DockerConfig;
  } catch {
    throw new DockerConfigError(path, "not valid JSON");
  }
}

export function decodeAuthEntry(entry: AuthEntry): Credentials | undefined {
  if (typeof entry.auth === "string" && entry.auth !== "") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return undefined;
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Credentials for a registry domain ("docker.io", "127.0.0.1:5000"), or undefined for anonymous. */
export function lookupCredentials(registry: string, config: DockerConfig = readDockerConfig()): Credentials | undefined {
  const want = registryKey(registry);
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (registryKey(key) === want && entry && typeof entry === "object") {
      const creds = decodeAuthEntry(entry);
      if (creds) return creds;
    }
  }
  return undefined;
}

function writeConfig(path: string, config: DockerConfig): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.config.json.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, "wx", 0o600);
    try {
      const data = Buffer.from(`${JSON.stringify(config, null, "\t")}\n`);
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

export function storeCredentials(registry: string, creds: Credentials, path = dockerConfigPath()): void {
  const config = readDockerConfig(path);
  const auths = { ...(config.auths ?? {}) };
  for (const key of Object.keys(auths)) if (registryKey(key) === registryKey(registry)) delete auths[key];
  auths[authKeyFor(registry)] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
  writeConfig(path, { ...config, auths });
}

/** Returns false when there was nothing stored for the registry. */
export function removeCredentials(registry: string, path = dockerConfigPath()): boolean {
  const config = readDockerConfig(path);
  const auths = { ...(config.auths ?? {}) };
  let removed = false;
  for (const key of Object.keys(auths)) {
    if (registryKey(key) === registryKey(registry)) { delete auths[key]; removed = true; }
  }
  if (removed) writeConfig(path, { ...config, auths });
  return removed;
}
