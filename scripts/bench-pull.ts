// `bun run bench pull`: pull (download + unpack, ready to run) from a local docker-registry, minibox vs
// `podman pull` (private --root/--runroot) and `skopeo copy` to a dir (download only), on two generated
// images: (a) many files, ~700 MB raw / ~250 MB gzip in 4 layers; (b) one 200 MB random-data layer.
// Medians of N runs (default 3), each into an empty store. Wall, user and system time of the command
// come from /usr/bin/time. Usage: bun run bench pull [--runs N] [--only a|b]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { tarBytes, type TarWriteEntry } from "../src/image/tar/writer.ts";
import { hostArchitecture } from "../src/oci/image-config.ts";
import { startRegistry, skopeo } from "../test/e2e/registry.ts";

const repo = resolve(import.meta.dir, "..");
const argValue = (name: string) => { const i = process.argv.indexOf(name); return i === -1 ? undefined : process.argv[i + 1]; };
const runs = Number(argValue("--runs")) || 3;
const only = argValue("--only");
const binary = join(repo, "minibox");
const sha256 = (b: Uint8Array | string) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;

/** xorshift32 stream: deterministic and incompressible. */
class Rng {
  constructor(private x: number) {}
  next(): number { let x = this.x; x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; this.x = x; return x; }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    const v = new Uint32Array(out.buffer, 0, n >> 2);
    for (let i = 0; i < v.length; i++) v[i] = this.next();
    return out;
  }
}

const WORDS = "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can its other into what some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three".split(" ");

function text(rng: Rng, size: number): Uint8Array {
  const parts: string[] = [];
  let n = 0;
  while (n < size) { const w = WORDS[rng.next() % WORDS.length]!; parts.push(w); n += w.length + 1; if (rng.next() % 12 === 0) { parts.push("\n"); n++; } }
  return new TextEncoder().encode(parts.join(" ").slice(0, size));
}

interface Layer { blob: Uint8Array; diffId: string; rawSize: number }

function layer(entries: TarWriteEntry[]): Layer {
  const tar = tarBytes(entries);
  return { blob: new Uint8Array(gzipSync(tar, { level: 6 })), diffId: sha256(tar), rawSize: tar.length };
}

/** (a): 4 layers of ~175 MB raw, each ~75% text files (4-60 kB) and ~25% random files (64 kB-1 MB). */
function manyFileLayers(): Layer[] {
  const rng = new Rng(20240601);
  const layers: Layer[] = [];
  for (let l = 0; l < 4; l++) {
    const entries: TarWriteEntry[] = [{ name: `l${l}`, type: "dir" }];
    let raw = 0;
    for (let d = 0; raw < 175e6; d++) {
      entries.push({ name: `l${l}/d${d}`, type: "dir" });
      for (let f = 0; f < 100 && raw < 175e6; f++) {
        const random = rng.next() % 100 < 6;
        const size = random ? 65536 + (rng.next() % 960000) : 4096 + (rng.next() % 56000);
        entries.push({ name: `l${l}/d${d}/f${f}${random ? ".bin" : ".txt"}`, body: random ? rng.bytes(size) : text(rng, size), mtime: 1_700_000_000 });
        raw += size;
      }
    }
    layers.push(layer(entries));
  }
  return layers;
}

function randomLayer(): Layer[] {
  return [layer([{ name: "random.bin", body: new Rng(4242).bytes(200e6), mtime: 1_700_000_000 }])];
}

/** An OCI layout directory, which skopeo pushes blob for blob. */
function writeOciLayout(dir: string, layers: Layer[]): void {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (b: Uint8Array) => { const d = sha256(b); writeFileSync(join(dir, "blobs/sha256", d.slice(7)), b); return d; };
  const config = new TextEncoder().encode(JSON.stringify({
    architecture: hostArchitecture(), os: "linux", config: { Cmd: ["sh"] }, rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
  }));
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: put(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: put(l.blob), size: l.blob.length })),
  }));
  const md = put(manifest);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: md, size: manifest.length, annotations: { "org.opencontainers.image.ref.name": "bench" } }] }));
}

interface Sample { wall: number; cpu: number }

function timed(cmd: string[], env: Record<string, string> = {}): Sample {
  const p = Bun.spawnSync(["/usr/bin/time", "-f", "%e %U %S", ...cmd], { env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe" });
  const err = p.stderr.toString().trim().split("\n");
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")}: exit ${p.exitCode}: ${err.join(" | ")}`);
  const [wall, user, sys] = err.at(-1)!.split(" ").map(Number) as [number, number, number];
  return { wall, cpu: user + sys };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const work = mkdtempSync(join(tmpdir(), "minibox-bench-pull-"));
const registry = await startRegistry();
try {
  if (!process.env.BENCH_NO_BUILD) Bun.spawnSync(["bun", "run", join(repo, "scripts/build.ts")], { stdout: "ignore" });
  const images = [
    { key: "a", name: "bench/manyfiles", what: "many files, 4 layers", make: manyFileLayers },
    { key: "b", name: "bench/random", what: "one 200 MB random layer", make: randomLayer },
  ].filter((i) => !only || i.key === only);
  const rows: string[] = [];
  for (const img of images) {
    const t0 = performance.now();
    const layers = img.make();
    const layout = join(work, `layout-${img.key}`);
    writeOciLayout(layout, layers);
    const push = await skopeo(["copy", "-q", "--dest-tls-verify=false", `oci:${layout}:bench`, `docker://${registry.host}/${img.name}:1`]);
    if (push.code !== 0) throw new Error(`skopeo push: ${push.stderr}`);
    rmSync(layout, { recursive: true, force: true });
    const compressed = layers.reduce((n, l) => n + l.blob.length, 0);
    const raw = layers.reduce((n, l) => n + l.rawSize, 0);
    console.error(`(${img.key}) ${img.what}: ${(compressed / 1e6).toFixed(0)} MB gzip, ${(raw / 1e6).toFixed(0)} MB raw, generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const ref = `${registry.host}/${img.name}:1`;
    const tools: { name: string; run: (dir: string) => Sample; cleanup: (dir: string) => void }[] = [
      { name: "minibox pull", run: (d) => timed([binary, "pull", "-q", ref], { MINIBOX_ROOT: d }), cleanup: () => {} },
      {
        name: "podman pull",
        run: (d) => timed(["podman", "--root", join(d, "root"), "--runroot", join(d, "run"), "--storage-driver", "overlay", "pull", "-q", "--tls-verify=false", ref]),
        cleanup: (d) => void Bun.spawnSync(["podman", "--root", join(d, "root"), "--runroot", join(d, "run"), "--storage-driver", "overlay", "system", "reset", "--force"], { stdout: "ignore", stderr: "ignore" }),
      },
      { name: "skopeo copy (download only)", run: (d) => timed(["skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false", `docker://${ref}`, `dir:${join(d, "dir")}`]), cleanup: () => {} },
    ];
    for (const tool of tools) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        const dir = mkdtempSync(join(work, "run-"));
        Bun.spawnSync(["sync"]);
        try {
          samples.push(tool.run(dir));
        } finally {
          tool.cleanup(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      }
      const wall = median(samples.map((s) => s.wall));
      const cpu = median(samples.map((s) => s.cpu));
      rows.push(`| (${img.key}) ${img.what} | ${tool.name} | ${wall.toFixed(2)} | ${(compressed / 1e6 / wall).toFixed(0)} | ${(raw / 1e6 / wall).toFixed(0)} | ${cpu.toFixed(2)} | ${samples.map((s) => s.wall.toFixed(2)).join(", ")} |`);
      console.error(rows.at(-1));
    }
  }
  console.log(`\n${runs} runs each, median; MB/s = image size / wall time; CPU = user + system seconds of the command`);
  console.log("| image | command | wall s | MB/s (gzip) | MB/s (raw) | CPU s | all runs (wall s) |");
  console.log("|---|---|---:|---:|---:|---:|---|");
  for (const r of rows) console.log(r);
} finally {
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
