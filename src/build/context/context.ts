// The build context: a directory, or a tar (plain, gzip or zstd) read from stdin and unpacked into the
// store's tmp/ (with the same path-safe writer as image layers). `docker build - < Dockerfile` (stdin
// that is not a tar) is a Dockerfile without context.
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { makeTempDir } from "../../state/atomic.ts";
import { BuildError } from "../errors.ts";
import { parseDockerignore, type IgnorePattern } from "./dockerignore.ts";

export interface BuildContext {
  /** Real path of the context directory. */
  root: string;
  ignore: IgnorePattern[];
  dockerfile: string;
  /** Name shown in messages ("Dockerfile", or the -f path). */
  dockerfileName: string;
  dispose(): void;
}

export interface ContextRequest {
  /** CONTEXT argument: a directory or "-". */
  context: string;
  /** -f: a path (relative to the working directory), "-" for stdin, or undefined for CONTEXT/Dockerfile. */
  file?: string;
  stdin: () => Promise<Uint8Array>;
  tmpDir: string;
}

export function looksLikeTar(head: Uint8Array): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return true;
  return head.length >= 262 && new TextDecoder().decode(head.subarray(257, 262)) === "ustar";
}

function readDockerfile(path: string, shown: string): string {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new BuildError(`failed to read dockerfile: open ${shown}: no such file or directory`);
  }
  if (!stat.isFile()) throw new BuildError(`failed to read dockerfile: ${shown} is not a file`);
  return readFileSync(path, "utf8");
}

/** `<Dockerfile>.dockerignore` next to the Dockerfile wins over the context's `.dockerignore`. */
function ignoreFor(root: string, dockerfilePath: string | undefined): IgnorePattern[] {
  const candidates = [...(dockerfilePath ? [`${dockerfilePath}.dockerignore`] : []), join(root, ".dockerignore")];
  for (const path of candidates) {
    // lstat: a link in an untrusted (stdin) context must not make us read a host file.
    if (existsSync(path) && lstatSync(path).isFile()) return parseDockerignore(readFileSync(path, "utf8"));
  }
  return [];
}

export async function openContext(req: ContextRequest): Promise<BuildContext> {
  if (req.context === "-") return openStdinContext(req);
  let root: string;
  try {
    root = realpathSync(req.context);
  } catch {
    throw new BuildError(`unable to prepare context: path "${req.context}" not found`);
  }
  if (!lstatSync(root).isDirectory()) throw new BuildError(`unable to prepare context: context must be a directory: ${req.context}`);
  if (req.file === "-") {
    const text = new TextDecoder().decode(await req.stdin());
    return { root, ignore: ignoreFor(root, undefined), dockerfile: text, dockerfileName: "Dockerfile", dispose() {} };
  }
  const path = req.file !== undefined ? resolve(req.file) : join(root, "Dockerfile");
  const shown = req.file ?? "Dockerfile";
  return { root, ignore: ignoreFor(root, path), dockerfile: readDockerfile(path, shown), dockerfileName: shown, dispose() {} };
}

async function openStdinContext(req: ContextRequest): Promise<BuildContext> {
  if (req.file === "-") throw new BuildError("invalid argument: can't use stdin for both build context and dockerfile");
  const input = await req.stdin();
  const work = makeTempDir(req.tmpDir, "build-context-");
  const dispose = () => rmSync(work, { recursive: true, force: true });
  try {
    const root = join(work, "context");
    mkdirSync(root, 0o755);
    if (!looksLikeTar(input)) {
      // A Dockerfile on stdin: an empty context.
      return { root, ignore: [], dockerfile: new TextDecoder().decode(input), dockerfileName: "Dockerfile", dispose };
    }
    const { unpackLayer } = await import("../../image/unpack.ts");
    await unpackLayer((async function* () { yield input; })(), root, "build context (stdin)");
    const name = req.file ?? "Dockerfile";
    const path = join(root, name);
    if (!resolve(path).startsWith(`${root}/`)) throw new BuildError(`failed to read dockerfile: ${name} is outside the build context`);
    if (existsSync(path) && lstatSync(path).isSymbolicLink()) throw new BuildError(`failed to read dockerfile: ${name} is a symbolic link`);
    return { root, ignore: ignoreFor(root, path), dockerfile: readDockerfile(path, name), dockerfileName: name, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
