// `ADD <url>`: each http(s) source downloaded by the builder into a locked work dir of the store's tmp/
// (removed afterwards, or by the next command if we are killed), checked against `--checksum` before
// anything uses it, and then copied like a context file: named after the URL's path, mode 0600 (Docker's
// rule), mtime from Last-Modified, never unpacked. Git sources are refused: cloning is a feature of its own.
import { chmodSync, lstatSync, utimesSync, type Stats } from "node:fs";
import { join, posix } from "node:path";
import { createWorkDir } from "../../image/tmp-work.ts";
import { BuildError } from "../errors.ts";

export interface Download { url: string; hostPath: string; stat: Stats; name: string }

const URL_SOURCE = /^https?:\/\//i;

export function isUrlSource(src: string): boolean {
  return URL_SOURCE.test(src);
}

/** BuildKit's test for a git source: git@…, git://…, or an http(s) URL of a .git repository. */
export function isGitSource(src: string): boolean {
  if (/^git@|^git:\/\//i.test(src)) return true;
  if (!URL_SOURCE.test(src)) return false;
  try {
    return new URL(src).pathname.endsWith(".git");
  } catch (error) {
    if (error instanceof TypeError) return false; // not a URL at all: a local path
    throw error;
  }
}

/** `--checksum=sha256:<64 hex>` (the one algorithm BuildKit accepts for http sources). */
export function parseChecksum(value: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(value)) throw new BuildError(`invalid checksum: ${value} (expected sha256:<64 hex digits>)`);
  return value;
}

/** The file name a URL gives: the last component of its path (BuildKit's `__unnamed__` without one). */
export function urlFileName(url: string): string {
  const base = posix.basename(decodeURIComponent(new URL(url).pathname));
  return base === "" || base === "/" || base === "." || base === ".." ? "__unnamed__" : base;
}

export interface Downloads { files: Map<string, Download>; dispose(): void }

export async function downloadSources(urls: readonly string[], tmp: string, checksum?: string): Promise<Downloads> {
  const work = createWorkDir(tmp, "input-");
  const files = new Map<string, Download>();
  try {
    let n = 0;
    for (const url of urls) {
      if (files.has(url)) continue;
      const hostPath = join(work.path, `download-${n++}`);
      let response: Response;
      try {
        response = await fetch(url, { redirect: "follow" });
      } catch (error) {
        throw new BuildError(`failed to fetch ${url}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!response.ok) throw new BuildError(`failed to fetch ${url}: invalid response status ${response.status}`);
      const hasher = new Bun.CryptoHasher("sha256");
      const writer = Bun.file(hostPath).writer();
      try {
        for await (const chunk of response.body ?? []) {
          hasher.update(chunk);
          writer.write(chunk);
        }
      } finally {
        await writer.end();
      }
      const digest = `sha256:${hasher.digest("hex")}`;
      if (checksum !== undefined && digest !== checksum) throw new BuildError(`digest mismatch for ${url}: expected ${checksum}, got ${digest}`);
      chmodSync(hostPath, 0o600);
      const modified = Date.parse(response.headers.get("last-modified") ?? "");
      if (!Number.isNaN(modified)) utimesSync(hostPath, modified / 1000, modified / 1000);
      files.set(url, { url, hostPath, stat: lstatSync(hostPath), name: urlFileName(url) });
    }
    return { files, dispose: () => work.dispose() };
  } catch (error) {
    work.dispose();
    throw error;
  }
}
