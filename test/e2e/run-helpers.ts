// What the `minibox run` e2e files share: one sandbox per file with the busybox image loaded, a check
// after every test that nothing under the sandbox is mounted on the host, and small readers.
import { afterAll, afterEach, beforeAll, expect } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeDockerArchive } from "../fixtures/images.ts";
import { makeSandbox, type Result, type Sandbox } from "./harness.ts";

/** Per test and hook: several container runs each; generous because CI machines get loaded. */
export const T = 60_000;

type RunOptions = Parameters<Sandbox["run"]>[1];

export interface RunSandbox {
  /** Set in beforeAll. */
  sb: Sandbox;
  /** The sandbox's top directory: MINIBOX_ROOT and MINIBOX_STATE are inside it. */
  base: string;
  run(args: string[], opts?: RunOptions): Promise<Result>;
  /** Runs and insists on exit 0; returns stdout. */
  ok(args: string[], opts?: RunOptions): Promise<string>;
  /** Writes a busybox image archive with these options and loads it. */
  load(file: string, opts?: Parameters<typeof writeDockerArchive>[1]): Promise<void>;
  containerIds(): string[];
  /** Host mount table lines that mention the sandbox: there must never be any. */
  hostMountsInSandbox(): string[];
}

export function useRunSandbox(prefix: string, moreImages?: (ctx: RunSandbox) => Promise<void>): RunSandbox {
  const ctx: RunSandbox = {
    sb: undefined as unknown as Sandbox,
    base: "",
    run: (args, opts) => ctx.sb.run(["run", ...args], opts),
    async ok(args, opts) {
      const r = await ctx.run(args, opts);
      if (r.code !== 0) throw new Error(`minibox run ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
      return r.stdout;
    },
    async load(file, opts = {}) {
      const archive = join(ctx.base, file);
      writeDockerArchive(archive, opts);
      const r = await ctx.sb.run(["load", "-i", archive]);
      if (r.code !== 0) throw new Error(`load failed (${r.code}): ${r.stderr}`);
    },
    containerIds() {
      const dir = join(ctx.sb.root, "containers");
      return existsSync(dir) ? readdirSync(dir) : [];
    },
    hostMountsInSandbox: () => readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((l) => l.includes(ctx.base)),
  };
  beforeAll(async () => {
    ctx.sb = makeSandbox(prefix);
    ctx.base = dirname(ctx.sb.root);
    await ctx.load("busybox.tar");
    await moreImages?.(ctx);
  }, T);
  afterAll(() => ctx.sb.cleanup());
  afterEach(() => {
    expect(ctx.hostMountsInSandbox()).toEqual([]);
  });
  return ctx;
}

export const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** Reads a stream until `marker` shows up, or fails after the deadline. */
export async function readUntil(stream: ReadableStream<Uint8Array>, marker: string, ms = 30_000): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  try {
    while (!text.includes(marker)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${marker}" within ${ms} ms; got: ${JSON.stringify(text)}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no "${marker}" within ${ms} ms; got: ${JSON.stringify(text)}`)), left); });
      try {
        const { done, value } = await Promise.race([reader.read(), timeout]);
        if (done) throw new Error(`stream ended before "${marker}"; got: ${JSON.stringify(text)}`);
        text += decoder.decode(value, { stream: true });
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}
