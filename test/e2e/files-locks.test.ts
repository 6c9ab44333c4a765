// Races between the files/volume verbs and the lifecycle, each run as a bounded loop of real processes:
// the outcome must always be one of the well-defined ones, never a container mounted on a deleted volume,
// a failed start because a copy held its overlay dirs, or a layer missing files because rm ran under it.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTar } from "../../src/image/tar/reader.ts";
import { tarBytes } from "../../src/image/tar/writer.ts";
import { BINARY } from "./harness.ts";
import { useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-files-locks-");
const temps: string[] = [];
const LOOP_T = 240_000;
afterEach(async () => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});
const mb = (args: string[], opts?: Parameters<typeof ctx.sb.run>[1]) => ctx.sb.run(args, opts);
async function ok(args: string[], opts?: Parameters<typeof ctx.sb.run>[1]): Promise<string> {
  const r = await mb(args, opts);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")}: ${r.code} ${r.stderr}`);
  return r.stdout;
}
async function stdoutBytes(args: string[]): Promise<Uint8Array> {
  const proc = Bun.spawn([BINARY, ...args], { env: ctx.sb.env, stdout: "pipe", stderr: "pipe" });
  const [bytes, err, code] = await Promise.all([new Response(proc.stdout).bytes(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${code}: ${err}`);
  return bytes;
}

describe("volume rm racing run -v NAME:", () => {
  test("the volume is either in use and kept, or removed before the run, which then recreates it; the run never fails", async () => {
    let removedFirst = 0, inUse = 0;
    for (let i = 0; i < 8; i++) {
      await ok(["volume", "create", "racevol"]);
      const name = `vrace${i}`;
      const run = mb(["run", "--name", name, "-v", "racevol:/data", "busybox", "sh", "-c", `echo ${i} > /data/mark`]);
      // volume rm again and again while the run sets up: it may hit the moment between the run finding
      // the volume and its record naming it
      let runDone = false;
      void run.then(() => { runDone = true; });
      let rmResult: { code: number; stderr: string } | undefined;
      while (!runDone) {
        const r = await mb(["volume", "rm", "racevol"]);
        if (r.code === 0) { rmResult = r; break; }
        expect(r.stderr).toContain("volume is in use");
        rmResult = r;
      }
      const r = await run;
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      // whatever happened, the container wrote into the volume that exists now under that name
      expect(await ok(["run", "--rm", "-v", "racevol:/data", "busybox", "cat", "/data/mark"])).toBe(`${i}\n`);
      if (rmResult?.code === 0) removedFirst++; else inUse++;
      await ok(["rm", "-f", name]);
      await ok(["volume", "rm", "racevol"]);
    }
    console.log(`volume rm first: ${removedFirst}, in use: ${inUse}`);
  }, LOOP_T);
});

describe("cp into a stopped container racing its start", () => {
  test("both succeed and the file is in the container afterwards", async () => {
    const dir = mkdtempSync(join(tmpdir(), "minibox-locks-"));
    temps.push(dir);
    // enough files that the copy takes a while and overlaps the start
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, `f${i}`), `file ${i}\n`);
    for (let i = 0; i < 8; i++) {
      const name = `cprace${i}`;
      await ok(["create", "--name", name, "busybox", "sh", "-c", "sleep 1000; true"]);
      const [cp, start] = await Promise.all([mb(["cp", dir, `${name}:/copied`]), mb(["start", name])]);
      expect(cp.stderr).toBe("");
      expect(cp.code).toBe(0);
      expect(start.stderr).toBe("");
      expect(start.code).toBe(0);
      expect((await ok(["exec", name, "sh", "-c", "ls /copied | wc -l; cat /copied/f299"])).split("\n").map((l) => l.trim())).toEqual(["300", "file 299", ""]);
      await ok(["rm", "-f", name]);
    }
  }, LOOP_T);
});

describe("commit racing rm", () => {
  test("either the commit has every file and rm follows, or rm wins and commit fails cleanly", async () => {
    const files = Array.from({ length: 2000 }, (_, i) => ({ name: `many/f${i}`, body: `${i}\n` }));
    const tar = tarBytes([{ name: "many", type: "dir" }, ...files]);
    let committed = 0, removedFirst = 0;
    for (let i = 0; i < 5; i++) {
      const name = `crace${i}`;
      await ok(["create", "--name", name, "busybox", "true"]);
      await ok(["cp", "-", `${name}:/`], { stdin: tar });
      const [commit, rm] = await Promise.all([mb(["commit", name, `craced:${i}`]), mb(["rm", name])]);
      expect(rm.code).toBe(0);
      if (commit.code === 0) {
        committed++;
        const layer = await stdoutBytes(["run", "--rm", `craced:${i}`, "tar", "-cf", "-", "/many"]);
        let n = 0;
        for await (const e of readTar((async function* () { yield layer; })())) if (e.type === "file") n++;
        expect(n).toBe(2000);
        await ok(["rmi", `craced:${i}`]);
      } else {
        removedFirst++;
        expect(commit.code).toBe(1);
        expect(commit.stderr.trim().split("\n")).toHaveLength(1);
        expect(commit.stderr).toContain("No such container");
        expect((await mb(["image", "inspect", `craced:${i}`])).code).not.toBe(0);
      }
    }
    console.log(`committed: ${committed}, removed first: ${removedFirst}`);
  }, LOOP_T);
});
