// `minibox pull` and the `--pull` policy of `run`: resolve the reference on its registry (following an
// index to this platform's manifest), fetch the config, then every missing layer in parallel, each
// unpacked while it downloads. The image is committed and tagged only when every piece is verified.
import { emitImageEvent } from "../events/emit.ts"; // compat-sys: events
import { familiarName } from "./reference.ts"; // compat-sys: events
import { digestHex } from "./digest.ts";
import { fetchLayer, repairPullTmp } from "./layer-fetch.ts";
import { RegistryClient } from "./registry/client.ts";
import { NoMatchingPlatformError, RegistryError } from "./registry/errors.ts";
import { fetchManifest, fetchSmallBlob, type FetchedManifest } from "./registry/manifest.ts";
import { isIndexType, isManifestType, type ImageIndex, type ImageManifest } from "./registry/media-types.ts";
import { availablePlatforms, parsePlatform, platformString, selectManifest } from "./registry/platform.ts";
import { silentProgress, stderrProgress, type PullProgress } from "./pull-progress.ts";
import { removeStaleWorkDirs } from "./tmp-work.ts";
import { familiarString, parseReference, referenceString, type Reference } from "./reference.ts";
import { ImageNotFoundError, parseImageConfig, type ImageRecord, type ImageStore } from "./store.ts";

export interface PullOptions {
  platform?: string;
  quiet?: boolean;
  /** Where progress goes; default: stderr (live lines on a terminal), nothing when quiet. */
  progress?: PullProgress;
  /** Layers fetched at once (default 4, or MINIBOX_PULL_CONCURRENCY). */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface PullResult {
  image: ImageRecord;
  /** Fully qualified: docker.io/library/busybox:latest */
  reference: string;
  /** Digest of the manifest (or index) the reference resolved to. */
  digest: string;
  upToDate: boolean;
}

export type PullPolicy = "missing" | "always" | "never";

function parseJson<T>(m: FetchedManifest, client: RegistryClient): T {
  try {
    return JSON.parse(new TextDecoder().decode(m.bytes)) as T;
  } catch {
    throw new RegistryError(client.context({ digest: m.digest }), "manifest is not valid JSON");
  }
}

function checkManifest(doc: ImageManifest, client: RegistryClient, digest: string): void {
  const ok = doc && typeof doc === "object" && doc.config && typeof doc.config.digest === "string" && Array.isArray(doc.layers);
  if (!ok) throw new RegistryError(client.context({ digest }), "manifest has no config or layers");
  for (const d of [doc.config, ...doc.layers]) {
    digestHex(d.digest, `${client.registry}/${client.repository}: manifest ${digest}`);
    if (!Number.isSafeInteger(d.size) || d.size < 0) throw new RegistryError(client.context({ digest: d.digest }), "descriptor without a valid size");
  }
  for (const l of doc.layers) {
    if (!/tar/.test(l.mediaType ?? "tar")) throw new RegistryError(client.context({ digest: l.digest }), `unsupported layer media type ${l.mediaType}`);
  }
}

/** Runs `tasks` with at most `limit` at once; on the first failure the others are aborted and awaited. */
async function pool<T>(items: T[], limit: number, controller: AbortController, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      try {
        await run(item);
      } catch (error) {
        if (failure === undefined) { failure = error; controller.abort(); }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

export async function pullImage(store: ImageStore, input: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref: Reference = parseReference(input);
  const wanted = parsePlatform(opts.platform);
  const progress = opts.progress ?? (opts.quiet ? silentProgress : stderrProgress());
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener("abort", onAbort);
  try {
    repairPullTmp(store);
    removeStaleWorkDirs(store.tmpDir());
    const client = new RegistryClient(ref.domain, ref.path, { actions: ["pull"], signal: controller.signal });
    if (ref.tag === "latest" && !/:latest(@|$)/.test(input)) progress.message("Using default tag: latest");
    progress.message(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
    await client.ping();
    const top = await fetchManifest(client, ref.digest ?? ref.tag!);
    let chosen = top;
    if (isIndexType(top.mediaType)) {
      const index = parseJson<ImageIndex>(top, client);
      const pick = selectManifest(Array.isArray(index.manifests) ? index.manifests : [], wanted);
      if (!pick) throw new NoMatchingPlatformError(familiarString(ref), platformString(wanted), availablePlatforms(index.manifests ?? []));
      chosen = await fetchManifest(client, pick.digest, pick);
    }
    if (!isManifestType(chosen.mediaType)) throw new RegistryError(client.context({ digest: chosen.digest }), `unsupported manifest type ${chosen.mediaType}`);
    const manifest = parseJson<ImageManifest>(chosen, client);
    checkManifest(manifest, client, chosen.digest);
    const configBytes = await fetchSmallBlob(client, manifest.config);
    const what = `${familiarString(ref)} (${chosen.digest})`;
    const config = parseImageConfig(configBytes, what);
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new RegistryError(client.context({ digest: chosen.digest }), `config lists ${diffIds.length} layers, manifest ${manifest.layers.length}`);
    }
    if (opts.platform && !isIndexType(top.mediaType) && (config.os !== wanted.os || config.architecture !== wanted.architecture)) {
      throw new NoMatchingPlatformError(familiarString(ref), platformString(wanted), [`${config.os}/${config.architecture}`]);
    }
    const tags = ref.digest === undefined ? [referenceString(ref)] : [];
    const upToDate = store.hasBlob(manifest.config.digest) && diffIds.every((d) => store.hasLayer(d)) &&
      (tags.length === 0 || (await store.resolve(tags[0]!).then((i) => i.id === manifest.config.digest, () => false)));
    const limit = opts.concurrency ?? (Number(process.env.MINIBOX_PULL_CONCURRENCY) || 4);
    const jobs = manifest.layers.map((layer, i) => ({ layer, diffId: diffIds[i]! }));
    await pool(jobs, limit, controller, async ({ layer, diffId }) => {
      await fetchLayer({ store, client, layer, diffId, progress, signal: controller.signal });
    });
    store.putBlob(top.bytes, top.digest, what);
    if (chosen !== top) store.putBlob(chosen.bytes, chosen.digest, what);
    const image = store.commitImage(configBytes, { tags, expectedConfigDigest: manifest.config.digest, manifestDigest: top.digest, what });
    progress.message(`Digest: ${top.digest}`);
    store.addRepoDigest(image.id, `${familiarName(ref)}@${top.digest}`); // compat-sys: RepoDigests the registry knows
    emitImageEvent("pull", familiarString(ref), familiarName(ref), store.root); // compat-sys: events
    progress.message(upToDate ? `Status: Image is up to date for ${familiarString(ref)}` : `Status: Downloaded newer image for ${familiarString(ref)}`);
    return { image, reference: referenceString(ref), digest: top.digest, upToDate };
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    progress.close();
  }
}

/**
 * The image for `run`: "missing" pulls only when the reference is not in the store, "always" pulls
 * every time (cheap when up to date: only the manifest is fetched), "never" only looks locally.
 */
export async function ensureImage(
  store: ImageStore, ref: string, policy: PullPolicy, opts: { platform?: string; quiet?: boolean; progress?: PullProgress } = {},
): Promise<ImageRecord> {
  if (policy !== "always") {
    try {
      return await store.resolve(ref);
    } catch (error) {
      if (!(error instanceof ImageNotFoundError) || policy === "never") throw error;
    }
    if (!opts.quiet) (opts.progress ?? { message: (l: string) => process.stderr.write(`${l}\n`) }).message(`Unable to find image '${ref}' locally`);
  }
  return (await pullImage(store, ref, opts)).image;
}
