// The build cache: one small file per step under <store>/build-cache/, named by the step's key and
// holding the image config the step produced (its layers stay in the store's layers/). A step's key
// chains its parent's key with the instruction after substitution and, for COPY/ADD, the content
// checksum of what is copied. Entries whose layers were pruned are misses.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { OciImageConfig } from "../oci/image-config.ts";
import { writeFileAtomic } from "../state/atomic.ts";
import type { ImageStore } from "../image/store.ts";

export function stepKey(parent: string, instruction: string, content = ""): string {
  return new Bun.CryptoHasher("sha256").update(JSON.stringify([parent, instruction, content])).digest("hex");
}

export class BuildCache {
  private readonly dir: string;
  constructor(private readonly store: ImageStore) {
    this.dir = join(store.root, "build-cache");
  }

  get(key: string): OciImageConfig | null {
    let config: OciImageConfig;
    try {
      config = JSON.parse(readFileSync(join(this.dir, `${key}.json`), "utf8")) as OciImageConfig;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      if (error instanceof SyntaxError) return null; // a damaged entry is a miss, and is rewritten
      throw error;
    }
    if (!config?.rootfs || !Array.isArray(config.rootfs.diff_ids)) return null;
    if (!config.rootfs.diff_ids.every((d) => typeof d === "string" && /^sha256:[0-9a-f]{64}$/.test(d) && this.store.hasLayer(d))) return null;
    return config;
  }

  put(key: string, config: OciImageConfig): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(this.dir, `${key}.json`), JSON.stringify(config), this.store.tmpDir());
  }
}
