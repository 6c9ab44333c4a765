// Registry documents that are ambiguous (issue #8 item 7): both a manifest and an index, or served under
// a Content-Type that differs from their mediaType, are refused — by the pure classifier and by
// fetchManifest against a small fake registry on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sha256Digest } from "../../src/image/digest.ts";
import { RegistryClient } from "../../src/image/registry/client.ts";
import { RegistryError } from "../../src/image/registry/errors.ts";
import { documentMediaType, fetchManifest } from "../../src/image/registry/manifest.ts";
import { MT } from "../../src/image/registry/media-types.ts";

const d = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const manifest = { schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: d(1), size: 2 }, layers: [] };
const index = { schemaVersion: 2, mediaType: MT.ociIndex, manifests: [{ mediaType: MT.ociManifest, digest: d(2), size: 3 }] };
const both = { schemaVersion: 2, config: manifest.config, layers: [], manifests: index.manifests };

describe("documentMediaType", () => {
  test("plain manifests and indexes, typed by field, by header, or by shape", () => {
    expect(documentMediaType(manifest, MT.ociManifest)).toEqual({ ok: true, mediaType: MT.ociManifest });
    expect(documentMediaType(index, "")).toEqual({ ok: true, mediaType: MT.ociIndex });
    const { mediaType: _m, ...untyped } = manifest;
    expect(documentMediaType(untyped, MT.dockerManifest)).toEqual({ ok: true, mediaType: MT.dockerManifest });
    expect(documentMediaType(untyped, "application/json")).toEqual({ ok: true, mediaType: MT.ociManifest });
    expect(documentMediaType({ schemaVersion: 2, manifests: [] }, "")).toEqual({ ok: true, mediaType: MT.ociIndex });
  });

  test("both a manifest and an index: refused, whatever it claims", () => {
    for (const doc of [both, { ...both, mediaType: MT.ociManifest }, { ...both, mediaType: MT.ociIndex }]) {
      for (const ct of ["", MT.ociManifest, MT.ociIndex]) {
        const r = documentMediaType(doc, ct);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.why).toContain("ambiguous");
      }
    }
  });

  test("Content-Type and mediaType disagree: refused", () => {
    expect(documentMediaType(manifest, MT.dockerManifest)).toMatchObject({ ok: false });
    expect(documentMediaType(index, MT.ociManifest)).toMatchObject({ ok: false });
    expect(documentMediaType({ ...manifest, mediaType: MT.dockerManifest }, MT.ociManifest)).toMatchObject({ ok: false });
  });

  test("a mediaType that contradicts the fields: refused", () => {
    expect(documentMediaType({ ...manifest, mediaType: MT.ociIndex }, "")).toMatchObject({ ok: false });
    expect(documentMediaType({ ...index, mediaType: MT.dockerManifest }, "")).toMatchObject({ ok: false });
    expect(documentMediaType({ schemaVersion: 2, manifests: [] }, MT.ociManifest)).toMatchObject({ ok: false });
  });

  test("not an object, or a mediaType that is not a string: refused", () => {
    for (const doc of [null, [], "x", 3, { mediaType: 7, layers: [] }]) expect(documentMediaType(doc, "").ok).toBe(false);
  });
});

describe("fetchManifest against a fake registry", () => {
  let server: ReturnType<typeof Bun.serve>;
  const docs = new Map<string, { body: string; type: string }>();
  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      fetch(req) {
        const url = new URL(req.url);
        if (url.pathname === "/v2/") return new Response("{}");
        const tag = url.pathname.split("/manifests/")[1];
        const doc = tag === undefined ? undefined : docs.get(tag);
        if (!doc) return new Response("{}", { status: 404 });
        return new Response(doc.body, { headers: { "content-type": doc.type, "docker-content-digest": sha256Digest(doc.body) } });
      },
    });
  });
  afterAll(() => server.stop(true));

  const client = () => new RegistryClient(`127.0.0.1:${server.port}`, "test/img", { credentials: null });
  const serve = (tag: string, doc: unknown, type: string) => docs.set(tag, { body: JSON.stringify(doc), type });

  test("a well-formed manifest and index are accepted", async () => {
    serve("m", manifest, MT.ociManifest);
    serve("i", index, MT.ociIndex);
    expect((await fetchManifest(client(), "m")).mediaType).toBe(MT.ociManifest);
    expect((await fetchManifest(client(), "i")).mediaType).toBe(MT.ociIndex);
  });

  test("a document that is both is refused with one clear error", async () => {
    serve("both", both, MT.ociIndex);
    const error = await fetchManifest(client(), "both").catch((e) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(String(error.message)).toMatch(/ambiguous/);
  });

  test("a manifest served as an index (or the reverse) is refused", async () => {
    serve("lie1", manifest, MT.ociIndex);
    serve("lie2", index, MT.ociManifest);
    for (const tag of ["lie1", "lie2"]) {
      const error = await fetchManifest(client(), tag).catch((e) => e);
      expect(error).toBeInstanceOf(RegistryError);
      expect(String(error.message)).toMatch(/served as .* but its mediaType is/);
    }
  });

  test("a child whose type differs from its descriptor in the index is refused", async () => {
    serve("child", manifest, MT.ociManifest);
    const body = JSON.stringify(manifest);
    const descriptor = { mediaType: MT.ociIndex, digest: sha256Digest(body), size: body.length };
    const error = await fetchManifest(client(), "child", descriptor).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryError);
  });
});
