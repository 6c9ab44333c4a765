import { expect, test } from "bun:test";
import { implicitPullProgress } from "../../src/image/implicit-pull-progress.ts";
import type { PullProgress } from "../../src/image/pull-progress.ts";

function recorder(): { progress: PullProgress; seen: string[] } {
  const seen: string[] = [];
  return { seen, progress: { message: (l) => seen.push(l), layer: (id, state) => seen.push(`${id} ${state}`), close: () => seen.push("close") } };
}

test("announces the missing image once the registry has something to fetch, then passes everything on", () => {
  const { progress, seen } = recorder();
  const p = implicitPullProgress("busybox:latest", true, progress);
  p.message("Unable to find image 'busybox' locally");
  p.message("Using default tag: latest");
  p.message("latest: Pulling from library/busybox");
  expect(seen).toEqual([]);
  p.layer("abc", "downloading", 0, 10);
  p.message("Digest: sha256:1");
  p.close();
  expect(seen).toEqual(["Unable to find image 'busybox:latest' locally", "latest: Pulling from library/busybox", "abc downloading", "Digest: sha256:1", "close"]);
});

test("a pull that fails before any layer says nothing (the caller's error is the one line)", () => {
  const { progress, seen } = recorder();
  const p = implicitPullProgress("x:1", true, progress);
  p.message("1: Pulling from x");
  p.close();
  expect(seen).toEqual([]);
});

test("an image that is present but pulled again (--pull always) is not announced as missing", () => {
  const { progress, seen } = recorder();
  const p = implicitPullProgress("x:1", false, progress);
  p.message("1: Pulling from x");
  p.message("Digest: sha256:2");
  expect(seen).toEqual(["1: Pulling from x", "Digest: sha256:2"]);
});
