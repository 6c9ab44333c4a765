import { describe, expect, test } from "bun:test";
import {
  InvalidReferenceError, familiarString, normalizeReference, parseReference,
} from "../../src/image/reference.ts";

const HEX = "a".repeat(64);

describe("parseReference", () => {
  test.each([
    ["busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"],
    ["library/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"],
    ["index.docker.io/library/busybox:x", "docker.io/library/busybox:x", "busybox:x"],
    ["user/app:v1", "docker.io/user/app:v1", "user/app:v1"],
    ["localhost/app", "localhost/app:latest", "localhost/app:latest"],
    ["localhost:5000/x:y", "localhost:5000/x:y", "localhost:5000/x:y"],
    ["registry.example.com:443/ns/sub/name:tag", "registry.example.com:443/ns/sub/name:tag", "registry.example.com:443/ns/sub/name:tag"],
    [`busybox@sha256:${HEX}`, `docker.io/library/busybox@sha256:${HEX}`, `busybox@sha256:${HEX}`],
    [`quay.io/a/b:t@sha256:${HEX}`, `quay.io/a/b:t@sha256:${HEX}`, `quay.io/a/b:t@sha256:${HEX}`],
    ["a__b.c-d---e", "docker.io/library/a__b.c-d---e:latest", "a__b.c-d---e:latest"],
  ])("%s", (input, full, familiar) => {
    expect(normalizeReference(input)).toBe(full);
    expect(familiarString(parseReference(input))).toBe(familiar);
  });

  test("no default tag when asked", () => {
    expect(parseReference("busybox", { defaultTag: false }).tag).toBeUndefined();
  });

  test.each([
    ["Busybox", "must be lowercase"],
    ["user/App", "must be lowercase"],
    ["bus box", "invalid repository name"],
    ["busybox:", "invalid tag"],
    ["busybox:-x", "invalid tag"],
    ["-busybox", "invalid repository name"],
    ["busybox/", "invalid repository name"],
    ["a..b", "invalid repository name"],
    ["", "at least one component"],
    [HEX, "64-byte hexadecimal"],
    ["busybox@sha256:abc", "invalid digest"],
    [`x/${"a".repeat(300)}`, "longer than"],
  ])("refuses %s", (input, why) => {
    expect(() => parseReference(input)).toThrow(InvalidReferenceError);
    expect(() => parseReference(input)).toThrow(why);
  });
});
