// Builds the single self-contained executable ./minibox (no Bun or Node needed where it runs).
import { resolve } from "node:path";

const repo = resolve(import.meta.dir, "..");
const outfile = resolve(repo, process.argv[2] ?? "minibox");
const started = performance.now();
// CommonJS + bytecode: JSC skips parsing at start-up, and the bundler's lazy module wrappers keep
// heavy Node built-ins (zlib, stream) unloaded until a command needs them. Measured in docs/performance.md.
const proc = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--bytecode", "--format=cjs", "--minify", "--sourcemap=none", resolve(repo, "src/main.ts"),
    // A second entry point: the unpack worker thread (src/image/unpack-in-worker.ts loads it by this path).
    resolve(repo, "src/image/unpack-worker.ts"), "--outfile", outfile],
  { cwd: repo, stdout: "inherit", stderr: "inherit" },
);
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log(`built ${outfile} in ${Math.round(performance.now() - started)} ms`);
