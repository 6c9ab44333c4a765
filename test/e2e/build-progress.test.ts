// `build --progress` through the compiled binary on a real pseudo-terminal (util-linux `script`): auto
// on a terminal is the updating display, plain stays plain lines there, -q prints only the image id;
// without a terminal auto is plain.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildImage, dockerArchive } from "../fixtures/images.ts";
import { BINARY, makeSandbox, type Sandbox } from "./harness.ts";

setDefaultTimeout(120_000);

let sb: Sandbox;
let dir: string;
const SCRIPT = Bun.which("script");

beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-build-progress-");
  const base = join(sb.root, "..", "work");
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, "busybox.tar"), dockerArchive(buildImage()));
  const r = await sb.run(["load", "-i", join(base, "busybox.tar")]);
  if (r.code !== 0) throw new Error(`load failed: ${r.stderr}`);
  dir = join(base, "ctx");
  mkdirSync(dir);
  writeFileSync(join(dir, "Dockerfile"), "FROM busybox\nRUN echo step-output-line\nENV A=1\n");
}, 120_000);
afterAll(() => sb.cleanup());

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Runs minibox with stdout and stderr on a pty; returns everything the terminal received. */
async function onTerminal(args: string[]): Promise<{ code: number; text: string }> {
  const proc = Bun.spawn([SCRIPT!, "-qefc", [BINARY, ...args].map(quote).join(" "), "/dev/null"], {
    env: { ...sb.env, COLUMNS: "100", LINES: "40" }, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: 120_000,
  });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { code, text };
}

describe.skipIf(!SCRIPT)("build --progress on a terminal (needs util-linux script)", () => {
  test("auto is the updating display: redrawn in place, steps with times, FINISHED", async () => {
    const r = await onTerminal(["build", "--no-cache", "--network", "none", dir]);
    expect(r.code).toBe(0);
    expect(r.text).toContain("[+] Building");
    expect(r.text).toMatch(/ => \[stage-0 2\/3\] RUN echo step-output-line +\d+\.\ds/);
    expect(r.text).toMatch(/\[\+\] Building \d+\.\ds \(3\/3\) FINISHED/);
    expect(r.text).toMatch(/\x1b\[\d+A\x1b\[J/);
    expect(r.text).toContain(" => => # step-output-line"); // the RUN output, streamed under its step
    expect(r.text).not.toContain("#2 [stage-0");
  });

  test("--progress plain stays plain lines on a terminal", async () => {
    const r = await onTerminal(["build", "--no-cache", "--network", "none", "--progress", "plain", dir]);
    expect(r.code).toBe(0);
    expect(r.text).toContain("#2 [stage-0 2/3] RUN echo step-output-line");
    expect(r.text).toContain("step-output-line\r\n");
    expect(r.text).not.toContain("\x1b[");
  });

  test("-q prints only the image id", async () => {
    const r = await onTerminal(["build", "-q", "--network", "none", dir]);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^sha256:[0-9a-f]{64}\r\n$/);
  });
});

test("without a terminal, auto is plain lines", async () => {
  const r = await sb.run(["build", "--network", "none", dir]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("#2 [stage-0 2/3] RUN echo step-output-line");
  expect(r.stderr).not.toContain("\x1b[");
});
