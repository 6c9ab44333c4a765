// The compiled program as a file (bundle and store cache): used only when it was compiled from exactly
// the `linux.seccomp` at hand, whole and intact; anything else means compiling again.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compiledProgramFile } from "../../src/seccomp/cache.ts";
import { encode } from "../../src/seccomp/cbpf.ts";
import { compileSeccomp } from "../../src/seccomp/compile.ts";
import { decodeProgramFile, encodeProgramFile, programFor, seccompKey } from "../../src/seccomp/program-file.ts";
import { resolveProfile } from "../../src/seccomp/resolve.ts";
import { DOCKER_DEFAULT_PROFILE } from "../../src/seccomp/default-profile.ts";
import { DEFAULT_CAPABILITIES } from "../../src/oci/defaults.ts";
import type { Seccomp } from "../../src/oci/spec.ts";

const dockerDefault = resolveProfile(DOCKER_DEFAULT_PROFILE, { capabilities: DEFAULT_CAPABILITIES, arch: "amd64", kernelRelease: "6.1.0" });
const small: Seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] };

describe("program file", () => {
  test("round trip, and only for the profile it was compiled from", () => {
    const program = encode(compileSeccomp(small));
    const file = encodeProgramFile(seccompKey(small), program);
    expect(decodeProgramFile(file)).toEqual({ key: seccompKey(small), program });
    expect(programFor(small, file)).toEqual(program);
    // The init re-reads config.json: the same object after a JSON round trip has the same key.
    expect(programFor(JSON.parse(JSON.stringify(small, null, 2)) as Seccomp, file)).toEqual(program);
    expect(programFor({ ...small, defaultAction: "SCMP_ACT_LOG" }, file)).toBeUndefined();
    expect(programFor(small, undefined)).toBeUndefined();
    expect(seccompKey(small, "arm64")).not.toBe(seccompKey(small, "x64"));
  });

  test("a torn, corrupted or foreign file is refused", () => {
    const file = encodeProgramFile(seccompKey(small), encode(compileSeccomp(small)));
    expect(decodeProgramFile(file.subarray(0, file.length - 8))).toBeUndefined(); // torn at an instruction boundary
    expect(decodeProgramFile(file.subarray(0, 20))).toBeUndefined();
    const flipped = file.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(decodeProgramFile(flipped)).toBeUndefined();
    expect(decodeProgramFile(new TextEncoder().encode("#!/bin/sh\necho hello, this is not a program at all, no no no no no no no no no no\n"))).toBeUndefined();
  });
});

describe("store cache", () => {
  let dir = "";
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  test("compiles once, then serves the file; a damaged cache file is replaced", () => {
    dir = mkdtempSync(join(tmpdir(), "minibox-seccomp-cache-"));
    const cache = join(dir, "cache", "seccomp");
    const first = compiledProgramFile(dockerDefault, cache);
    expect(programFor(dockerDefault, first)).toEqual(encode(compileSeccomp(dockerDefault)));
    const [name] = readdirSync(cache);
    expect(name).toBe(`${seccompKey(dockerDefault)}.bpf`);
    expect([...readFileSync(join(cache, name!))]).toEqual([...first]);
    // Served from the file: a marker program under the right key is returned as is.
    const marker = encodeProgramFile(seccompKey(dockerDefault), encode([{ code: 6, jt: 0, jf: 0, k: 0x7fff0000 }]));
    writeFileSync(join(cache, name!), marker);
    expect(compiledProgramFile(dockerDefault, cache)).toEqual(marker);
    // Damaged: compiled again and rewritten.
    writeFileSync(join(cache, name!), "garbage");
    expect(compiledProgramFile(dockerDefault, cache)).toEqual(first);
    expect([...readFileSync(join(cache, name!))]).toEqual([...first]);
    expect(readdirSync(cache)).toEqual([name!]);
  });
});

// The cache key carries COMPILER_VERSION: a compiler that emits a different program for the same profile
// must bump it, or stores keep serving the old program. This pin fails first when that happens.
test("the compiled default profile is pinned (bump COMPILER_VERSION in program-file.ts when this changes)", () => {
  const digest = new Bun.CryptoHasher("sha256").update(encode(compileSeccomp(dockerDefault, "x64"))).digest("hex");
  expect(digest).toBe(PINNED_DEFAULT_X64);
});
const PINNED_DEFAULT_X64 = "9e347a126b9c874ddd7c062a0b596f60ed42ce490256894a44eef8b87cea3b19";
