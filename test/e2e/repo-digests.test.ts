// RepoDigests and `images --digests` list only digests a registry knows: the manifest digest a pull saw
// or a push was acknowledged with, per repository — never one computed locally for a loaded image or
// carried over to a tag that was never pushed. Every listed digest is checked against the registry.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildImage, dockerArchive, ociArchive } from "../fixtures/images.ts";
import { makeSandbox, type Sandbox } from "./harness.ts";
import { skopeo, skopeoPush, startRegistry, type Registry } from "./registry.ts";

setDefaultTimeout(60_000);
let sb: Sandbox;
let reg: Registry;
let files: string;

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-repodigests-");
  reg = await startRegistry();
  files = join(sb.root, "..", "files");
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, "src.tar"), dockerArchive(buildImage({ layers: 2, gzip: true, name: "busybox:latest", config: { Cmd: ["echo", "rd"] } })));
  await skopeoPush(join(files, "src.tar"), `${reg.host}/rd/src:1`);
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  sb?.cleanup();
}, 30_000);

async function ok(args: string[]): Promise<string> {
  const r = await sb.run(args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
async function repoDigests(ref: string): Promise<string[]> {
  return (JSON.parse(await ok(["image", "inspect", ref])) as { RepoDigests: string[] }[])[0]!.RepoDigests;
}
async function registryDigest(ref: string): Promise<string> {
  const r = await skopeo(["inspect", "--tls-verify=false", `docker://${ref}`]);
  if (r.code !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { Digest: string }).Digest;
}
/** The registry has a manifest under exactly this repository@digest. */
async function registryKnows(repoDigest: string): Promise<boolean> {
  const at = repoDigest.indexOf("@");
  const repo = repoDigest.slice(reg.host.length + 1, at);
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${repoDigest.slice(at + 1)}`, {
    method: "HEAD", headers: { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json" },
  });
  return res.status === 200;
}

describe("RepoDigests", () => {
  test("a pulled image: the registry's digest for the repository pulled from; not for a tag never pushed", async () => {
    await ok(["pull", "-q", `${reg.host}/rd/src:1`]);
    const digest = await registryDigest(`${reg.host}/rd/src:1`);
    expect(await repoDigests(`${reg.host}/rd/src:1`)).toEqual([`${reg.host}/rd/src@${digest}`]);
    await ok(["tag", `${reg.host}/rd/src:1`, `${reg.host}/rd/never-pushed:2`]);
    const listed = await repoDigests(`${reg.host}/rd/never-pushed:2`);
    expect(listed).toEqual([`${reg.host}/rd/src@${digest}`]);
    for (const d of listed) expect(await registryKnows(d)).toBe(true);
  });

  test("a push adds the digest the registry acknowledged, for the repository pushed to", async () => {
    await ok(["tag", `${reg.host}/rd/src:1`, `${reg.host}/rd/copy:3`]);
    await ok(["push", `${reg.host}/rd/copy:3`]);
    const listed = await repoDigests(`${reg.host}/rd/copy:3`);
    expect(listed.sort()).toEqual([`${reg.host}/rd/copy@${await registryDigest(`${reg.host}/rd/copy:3`)}`, `${reg.host}/rd/src@${await registryDigest(`${reg.host}/rd/src:1`)}`].sort());
    for (const d of listed) expect(await registryKnows(d)).toBe(true);
  });

  test("a loaded image (docker or OCI archive) has none until it is pushed", async () => {
    writeFileSync(join(files, "oci.tar"), ociArchive(buildImage({ name: "rd/oci:1", config: { Cmd: ["oci"] } })));
    await ok(["load", "-i", join(files, "oci.tar")]);
    expect(await repoDigests("rd/oci:1")).toEqual([]);
    writeFileSync(join(files, "docker.tar"), dockerArchive(buildImage({ layers: 1, name: "rd/docker:1", config: { Cmd: ["docker"], Labels: { seed: "repo-digests" } } })));
    await ok(["load", "-i", join(files, "docker.tar")]);
    expect(await repoDigests("rd/docker:1")).toEqual([]);
    await ok(["tag", "rd/oci:1", `${reg.host}/rd/oci:1`]);
    await ok(["push", `${reg.host}/rd/oci:1`]);
    const listed = await repoDigests("rd/oci:1");
    expect(listed).toEqual([`${reg.host}/rd/oci@${await registryDigest(`${reg.host}/rd/oci:1`)}`]);
    expect(await registryKnows(listed[0]!)).toBe(true);
  });
});

describe("images --digests", () => {
  test("a DIGEST column with the repository's digest, <none> where the registry knows none", async () => {
    const out = (await ok(["images", "--digests"])).split("\n").filter(Boolean);
    expect(out[0]).toMatch(/^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
    const row = (repo: string) => out.find((l) => l.startsWith(`${repo} `))!.split(/ {2,}/);
    expect(row(`${reg.host}/rd/src`)[2]).toBe(await registryDigest(`${reg.host}/rd/src:1`));
    expect(row(`${reg.host}/rd/never-pushed`)[2]).toBe("<none>");
    expect(row("rd/docker")[2]).toBe("<none>");
    const json = (await ok(["images", "--digests", "--format", "{{.Repository}} {{.Digest}}"])).split("\n");
    expect(json).toContain(`${reg.host}/rd/copy ${await registryDigest(`${reg.host}/rd/copy:3`)}`);
  });
});
