// The registry client's pure parts: WWW-Authenticate parsing, Docker config credentials, platform
// selection, retry policy, plain-HTTP rules and reference normalisation for registries.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseWwwAuthenticate } from "../../src/image/registry/challenge.ts";
import { authKeyFor, lookupCredentials, registryKey, removeCredentials, storeCredentials, readDockerConfig } from "../../src/image/registry/credentials.ts";
import { registryBaseUrl, usesPlainHttp, isLoopback } from "../../src/image/registry/endpoint.ts";
import { parsePlatform, selectManifest } from "../../src/image/registry/platform.ts";
import { parseRetryAfter, retryDelay, retryableStatus, shouldRetry, retryableNetworkError } from "../../src/image/registry/retry.ts";
import { normalizeReference, parseReference, familiarString } from "../../src/image/reference.ts";
import type { Descriptor } from "../../src/image/registry/media-types.ts";

describe("WWW-Authenticate", () => {
  test("Bearer with quoted params, escapes and commas inside quotes", () => {
    const [c] = parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push",error="a \\"quoted\\" word"');
    expect(c!.scheme).toBe("bearer");
    expect(c!.params).toEqual({ realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull,push", error: 'a "quoted" word' });
  });
  test("Basic, case-insensitive scheme and keys, unquoted token values", () => {
    expect(parseWwwAuthenticate('BASIC Realm="Registry Realm"')).toEqual([{ scheme: "basic", params: { realm: "Registry Realm" } }]);
    expect(parseWwwAuthenticate("Bearer realm=http://x/token, service=svc")[0]!.params).toEqual({ realm: "http://x/token", service: "svc" });
  });
  test("two challenges in one header; empty and garbage input", () => {
    const cs = parseWwwAuthenticate('Basic realm="a", Bearer realm="b",service="s"');
    expect(cs.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
    expect(cs[1]!.params.service).toBe("s");
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate("")).toEqual([]);
  });
});

describe("Docker config credentials", () => {
  let dir: string | undefined;
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); dir = undefined; });
  const fresh = () => { const d = mkdtempSync(join(tmpdir(), "mbx-cfg-")); dir = d; return join(d, "sub", "config.json"); };

  test("keys are normalised: Docker Hub's URL, schemes and paths", () => {
    expect(registryKey("https://index.docker.io/v1/")).toBe("docker.io");
    expect(registryKey("registry-1.docker.io")).toBe("docker.io");
    expect(registryKey("http://LocalHost:5000/v2/")).toBe("localhost:5000");
    expect(authKeyFor("docker.io")).toBe("https://index.docker.io/v1/");
    expect(authKeyFor("quay.io")).toBe("quay.io");
  });
  test("base64 auth fields (passwords may contain ':'), username/password fields, anonymous", () => {
    const config = { auths: {
      "https://index.docker.io/v1/": { auth: btoa("hub:pa:ss") },
      "http://10.0.0.1:5000": { username: "u", password: "p" },
      "broken.example": { auth: btoa("nocolon") },
    } };
    expect(lookupCredentials("docker.io", config)).toEqual({ username: "hub", password: "pa:ss" });
    expect(lookupCredentials("10.0.0.1:5000", config)).toEqual({ username: "u", password: "p" });
    expect(lookupCredentials("broken.example", config)).toBeUndefined();
    expect(lookupCredentials("other.example", config)).toBeUndefined();
  });
  test("store keeps other fields, writes 0600, replaces equivalent keys; remove reports whether it did", () => {
    const path = fresh();
    expect(readDockerConfig(path)).toEqual({});
    storeCredentials("docker.io", { username: "a", password: "b" }, path);
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), credHelpers: { x: "y" }, auths: { "index.docker.io": { auth: btoa("old:old") } } }));
    storeCredentials("docker.io", { username: "new", password: "pw" }, path);
    const saved = JSON.parse(readFileSync(path, "utf8"));
    expect(Object.keys(saved.auths)).toEqual(["https://index.docker.io/v1/"]);
    expect(saved.credHelpers).toEqual({ x: "y" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(lookupCredentials("docker.io", readDockerConfig(path))).toEqual({ username: "new", password: "pw" });
    expect(removeCredentials("docker.io", path)).toBe(true);
    expect(removeCredentials("docker.io", path)).toBe(false);
  });
  test("an unreadable config is a clear error", () => {
    const path = fresh();
    storeCredentials("x.io", { username: "a", password: "b" }, path);
    writeFileSync(path, "{not json");
    expect(() => readDockerConfig(path)).toThrow(/config\.json: not valid JSON/);
  });
});

describe("platform selection", () => {
  const d = (architecture: string, variant?: string, os = "linux"): Descriptor => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${architecture}${variant ?? ""}`, size: 1,
    platform: { os, architecture, ...(variant && { variant }) },
  });
  const list = [d("amd64"), d("arm", "v6"), d("arm", "v7"), d("arm64", "v8"), d("unknown", undefined, "unknown"), d("amd64", undefined, "windows")];

  test("parse: defaults to linux + host arch, aliases, variants, errors", () => {
    expect(parsePlatform(undefined).os).toBe("linux");
    expect(parsePlatform("linux/x86_64")).toEqual({ os: "linux", architecture: "amd64" });
    expect(parsePlatform("linux/aarch64")).toEqual({ os: "linux", architecture: "arm64" });
    expect(parsePlatform("Linux/ARM/v7")).toEqual({ os: "linux", architecture: "arm", variant: "v7" });
    expect(() => parsePlatform("linux")).toThrow(/invalid platform/);
    expect(() => parsePlatform("linux/amd64/v1/x")).toThrow(/invalid platform/);
  });
  test("select: os and arch match, variant when asked, arm64 v8 by default, attestations never", () => {
    expect(selectManifest(list, { os: "linux", architecture: "amd64" })?.digest).toBe("sha256:amd64");
    expect(selectManifest(list, { os: "windows", architecture: "amd64" })?.platform?.os).toBe("windows");
    expect(selectManifest(list, { os: "linux", architecture: "arm", variant: "v7" })?.digest).toBe("sha256:armv7");
    expect(selectManifest(list, { os: "linux", architecture: "arm64" })?.digest).toBe("sha256:arm64v8");
    expect(selectManifest(list, { os: "linux", architecture: "arm64", variant: "v8" })?.digest).toBe("sha256:arm64v8");
    expect(selectManifest(list, { os: "linux", architecture: "s390x" })).toBeUndefined();
    expect(selectManifest(list, { os: "unknown", architecture: "unknown" })?.digest).toBe("sha256:unknown");
    expect(selectManifest([{ ...d("amd64"), platform: undefined } as unknown as Descriptor], { os: "linux", architecture: "amd64" })).toBeUndefined();
  });
});

describe("retry policy", () => {
  const policy = { attempts: 5, baseMs: 200, maxDelayMs: 10_000 };
  test("which statuses", () => {
    for (const s of [408, 429, 500, 502, 503, 504]) expect(retryableStatus(s)).toBe(true);
    for (const s of [200, 400, 401, 403, 404, 501, 505]) expect(retryableStatus(s)).toBe(false);
  });
  test("Retry-After in seconds or as a date, capped", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(retryDelay(policy, 1, 3000)).toBe(3000);
    expect(retryDelay(policy, 1, 3_600_000)).toBe(10_000);
  });
  test("exponential backoff with jitter, bounded attempts", () => {
    expect(retryDelay(policy, 1, undefined, () => 0)).toBe(100);
    expect(retryDelay(policy, 1, undefined, () => 1)).toBe(200);
    expect(retryDelay(policy, 3, undefined, () => 1)).toBe(800);
    expect(retryDelay(policy, 20, undefined, () => 1)).toBe(10_000);
    expect([1, 2, 3, 4, 5].map((a) => shouldRetry(policy, a))).toEqual([true, true, true, true, false]);
  });
  test("network errors", () => {
    expect(retryableNetworkError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(true);
    expect(retryableNetworkError(new Error("The socket connection was closed unexpectedly"))).toBe(true);
    expect(retryableNetworkError(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(false);
    expect(retryableNetworkError(new Error("digest mismatch"))).toBe(false);
  });
});

describe("endpoints and references", () => {
  test("plain HTTP only on loopback or when listed", () => {
    expect(isLoopback("127.0.0.1:5000")).toBe(true);
    expect(isLoopback("127.3.2.1")).toBe(true);
    expect(isLoopback("[::1]:5000")).toBe(true);
    expect(isLoopback("localhost:80")).toBe(true);
    expect(isLoopback("128.0.0.1")).toBe(false);
    expect(usesPlainHttp("registry.lan:5000", "")).toBe(false);
    expect(usesPlainHttp("registry.lan:5000", "other, registry.lan:5000")).toBe(true);
    expect(usesPlainHttp("registry.lan:5000", "registry.lan")).toBe(true);
    expect(registryBaseUrl("docker.io")).toBe("https://registry-1.docker.io");
    expect(registryBaseUrl("quay.io")).toBe("https://quay.io");
    expect(registryBaseUrl("localhost:5000")).toBe("http://localhost:5000");
  });
  test("normalisation as Docker does it", () => {
    expect(normalizeReference("busybox")).toBe("docker.io/library/busybox:latest");
    expect(normalizeReference("index.docker.io/user/app:1")).toBe("docker.io/user/app:1");
    expect(normalizeReference("localhost/app")).toBe("localhost/app:latest");
    expect(normalizeReference("127.0.0.1:5000/a/b@sha256:" + "a".repeat(64))).toBe("127.0.0.1:5000/a/b@sha256:" + "a".repeat(64));
    expect(normalizeReference("user/app:tag")).toBe("docker.io/user/app:tag");
    expect(familiarString(parseReference("docker.io/library/busybox:1"))).toBe("busybox:1");
    expect(() => parseReference("Busybox")).toThrow(/lowercase/);
  });
});
