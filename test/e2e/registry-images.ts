// Images put straight into a registry over HTTP (monolithic blob uploads, manifest PUT), for the cases
// skopeo would rewrite: zstd and uncompressed layers, multi-platform indexes, big random layers.
import { gzipSync, zstdCompressSync } from "node:zlib";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { busyboxRootfsEntries, imageConfig, sha256 } from "../fixtures/images.ts";

export type LayerCompression = "gzip" | "zstd" | "none";

export interface PushedImage {
  manifest: Uint8Array;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

/** Deterministic pseudo-random bytes (xorshift32), incompressible. */
export function randomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  const view = new Uint32Array(out.buffer, 0, Math.floor(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < view.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    view[i] = x;
  }
  return out;
}

export function compress(tar: Uint8Array, c: LayerCompression): Uint8Array {
  if (c === "gzip") return new Uint8Array(gzipSync(tar));
  if (c === "zstd") return new Uint8Array(zstdCompressSync(tar));
  return tar;
}

const LAYER_TYPE: Record<LayerCompression, string> = {
  gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  none: "application/vnd.oci.image.layer.v1.tar",
};

export async function uploadBlob(host: string, name: string, bytes: Uint8Array, headers: Record<string, string> = {}): Promise<string> {
  const digest = sha256(bytes);
  const start = await fetch(`http://${host}/v2/${name}/blobs/uploads/`, { method: "POST", headers });
  if (start.status !== 202) throw new Error(`upload start ${start.status}: ${await start.text()}`);
  const url = new URL(start.headers.get("location")!, `http://${host}`);
  url.searchParams.set("digest", digest);
  const put = await fetch(url, { method: "PUT", body: bytes, headers: { ...headers, "content-type": "application/octet-stream" } });
  if (put.status !== 201) throw new Error(`upload ${put.status}: ${await put.text()}`);
  return digest;
}

export async function putManifest(host: string, name: string, ref: string, bytes: Uint8Array, mediaType: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`http://${host}/v2/${name}/manifests/${ref}`, { method: "PUT", body: bytes, headers: { ...headers, "content-type": mediaType } });
  if (res.status !== 201) throw new Error(`manifest put ${res.status}: ${await res.text()}`);
  return sha256(bytes);
}

/** Pushes an image whose layers are the given tars, each compressed as asked, under name:tag (or only by digest). */
export async function pushLayers(host: string, name: string, tag: string | null, tars: Uint8Array[], opts: {
  compression?: LayerCompression[]; architecture?: string; cmd?: string[];
} = {}): Promise<PushedImage> {
  const diffIds = tars.map(sha256);
  const config = imageConfig(diffIds, { config: { Cmd: opts.cmd ?? ["sh"] } });
  if (opts.architecture) config.architecture = opts.architecture;
  const configBytes = new TextEncoder().encode(JSON.stringify(config));
  const configDigest = await uploadBlob(host, name, configBytes);
  const layers: { mediaType: string; digest: string; size: number }[] = [];
  for (const [i, tar] of tars.entries()) {
    const c = opts.compression?.[i] ?? "gzip";
    const blob = compress(tar, c);
    layers.push({ mediaType: LAYER_TYPE[c], digest: await uploadBlob(host, name, blob), size: blob.length });
  }
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: configBytes.length },
    layers,
  }));
  const manifestDigest = await putManifest(host, name, tag ?? sha256(manifest), manifest, "application/vnd.oci.image.manifest.v1+json");
  return { manifest, manifestDigest, configDigest, layerDigests: layers.map((l) => l.digest), diffIds };
}

export function busyboxTar(): Uint8Array {
  return tarBytes(busyboxRootfsEntries());
}

export function randomLayerTar(size: number, seed: number, name = "data.bin"): Uint8Array {
  return tarBytes([{ name, body: randomBytes(size, seed), mtime: 1_700_000_000 }]);
}

/** An OCI index over per-platform manifests pushed before, tagged `tag`. */
export async function pushIndex(host: string, name: string, tag: string, entries: { image: PushedImage; os: string; architecture: string; variant?: string }[]): Promise<string> {
  const index = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: entries.map((e) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json", digest: e.image.manifestDigest, size: e.image.manifest.length,
      platform: { os: e.os, architecture: e.architecture, ...(e.variant && { variant: e.variant }) },
    })),
  }));
  return putManifest(host, name, tag, index, "application/vnd.oci.image.index.v1+json");
}
