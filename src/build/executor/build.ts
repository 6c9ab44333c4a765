// The build: stages in dependency order (independent ones concurrently), each instruction a step
// whose result is looked up in the cache first. Nothing is tagged until the target stage is complete.
import { posix } from "node:path";
import type { ImageRecord, ImageStore } from "../../image/store.ts";
import { writeTar, type TarWriteEntry } from "../../image/tar/writer.ts";
import type { OciImageConfig } from "../../oci/image-config.ts";
import { BuildCache, stepKey } from "../cache.ts";
import type { BuildProgress } from "../progress/types.ts";
import type { BuildContext } from "../context/context.ts";
import type { CopyInstruction, Dockerfile, Instruction, RunInstruction, Stage } from "../dockerfile/ast.ts";
import { expandWord, ExpansionError, type Lookup } from "../dockerfile/expand.ts";
import { parseDockerfile } from "../dockerfile/parse.ts";
import { parseDockerignore } from "../context/dockerignore.ts";
import { BuildError } from "../errors.ts";
import { UserError } from "../../errors.ts";
import { trace } from "../../trace.ts";
import { clampMtime, sourceDateEpoch } from "../tar-entries.ts";
import { archiveEntries } from "./add-archive.ts";
import { downloadSources, isGitSource, isUrlSource, parseChecksum, type Downloads } from "./add-url.ts";
import { planCopy, planDigest, planMkdir, type CopySource } from "./copy-plan.ts";
import { LayeredFs } from "./layered-fs.ts";
import { applyMetadata, commandArgs, shellOf } from "./metadata.ts";
import { parseChmod, parseChown } from "./owner.ts";
import { parsePlatform, platformArgs, PROXY_ARGS, type Platform } from "./platform.ts";
import { removeOrphanedBuildContainers } from "./orphans.ts";
import { runStep, type RunNetwork } from "./run-step.ts";
import { parseRunMount } from "./run-mount-spec.ts";
import { mountKeys, prepareRunMounts, removeStaleMountDirs, type MountSources } from "./run-mounts.ts";
import { findStage, neededStages, targetStage } from "./stages.ts";

export interface BuildRequest {
  store: ImageStore;
  context: BuildContext;
  buildArgs: Map<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  platform?: string;
  labels: Record<string, string>;
  network: RunNetwork;
  tags: string[];
  /** Steps, RUN output and warnings, shown as the CLI chose (progress/). */
  progress: BuildProgress;
}

interface StageResult { config: OciImageConfig; key: string }

const clone = <T>(v: T): T => structuredClone(v);

function envMap(config: OciImageConfig): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of config.config?.Env ?? []) {
    const eq = e.indexOf("=");
    if (eq > 0) m.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return m;
}

function createdNow(): string {
  const epoch = sourceDateEpoch();
  return new Date(epoch !== undefined ? epoch * 1000 : Date.now()).toISOString();
}

export async function buildImage(req: BuildRequest): Promise<ImageRecord> {
  return new Builder(req).build();
}

class Builder {
  private readonly df: Dockerfile;
  private readonly cache: BuildCache;
  private readonly target: Platform;
  private readonly globals = new Map<string, string | undefined>();
  private readonly declared = new Set<string>();
  private readonly stages = new Map<number, Promise<StageResult>>();
  private readonly contextFs: LayeredFs;
  private step = 0;

  constructor(private readonly req: BuildRequest) {
    this.df = parseDockerfile(req.context.dockerfile, req.context.dockerfileName);
    this.cache = new BuildCache(req.store);
    this.target = parsePlatform(req.platform);
    this.contextFs = new LayeredFs([req.context.root], false);
  }

  private platformArgs(): Map<string, string> {
    return platformArgs(parsePlatform(undefined), this.target);
  }

  private globalLookup: Lookup = (name) => this.globals.get(name);

  async build(): Promise<ImageRecord> {
    const { ContainerStore } = await import("../../container/store.ts");
    for (const name of await removeOrphanedBuildContainers(new ContainerStore(this.req.store.root))) {
      this.req.progress.warn(`removed ${name}, left behind by a build that was killed`);
    }
    removeStaleMountDirs(this.req.store.tmpDir()); // RUN --mount work dirs of a build killed with -9
    trace("build: leftovers checked");
    for (const [k, v] of this.platformArgs()) this.globals.set(k, v);
    for (const ins of this.df.metaArgs) {
      for (const a of ins.args) {
        this.declared.add(a.name);
        const value = this.req.buildArgs.has(a.name) ? this.req.buildArgs.get(a.name)
          : a.defaultValue !== undefined ? this.expand(ins.line, a.defaultValue, this.globalLookup) : this.globals.get(a.name);
        this.globals.set(a.name, value);
      }
    }
    const target = targetStage(this.df, this.req.target);
    const needed = neededStages(this.df, target, this.globalLookup);
    // Start every needed stage now: independent ones run side by side, each awaits what it uses.
    for (const s of needed) this.stageResult(s);
    let result: StageResult;
    try {
      result = await this.stageResult(target);
    } finally {
      await Promise.allSettled(this.stages.values()); // let the other stages finish cleaning up
    }
    for (const s of this.df.stages) for (const ins of s.instructions) if (ins.kind === "ARG") for (const a of ins.args) this.declared.add(a.name);
    const unused = [...this.req.buildArgs.keys()].filter((k) => !this.declared.has(k) && !PROXY_ARGS.has(k));
    if (unused.length) this.req.progress.warn(`[Warning] One or more build-args [${unused.join(" ")}] were not consumed`);

    trace("build: stages done");
    const config = clone(result.config);
    if (Object.keys(this.req.labels).length) {
      config.config = { ...(config.config ?? {}), Labels: { ...(config.config?.Labels ?? {}), ...this.req.labels } };
    }
    const last = config.history?.[config.history.length - 1]?.created;
    config.created = last ?? createdNow();
    return this.req.store.commitImage(new TextEncoder().encode(JSON.stringify(config)), { tags: this.req.tags, what: "build" });
  }

  private stageResult(stage: Stage): Promise<StageResult> {
    let p = this.stages.get(stage.index);
    if (!p) {
      p = this.buildStage(stage);
      p.catch(() => { /* reported by whoever awaits it */ });
      this.stages.set(stage.index, p);
    }
    return p;
  }

  private expand(line: number, text: string, lookup: Lookup): string {
    try {
      return expandWord(text, lookup, this.df.escape);
    } catch (error) {
      if (error instanceof ExpansionError) throw new BuildError(`${this.req.context.dockerfileName}:${line}: ${error.message}`);
      throw error;
    }
  }

  private async image(ref: string): Promise<ImageRecord> {
    const { ensureImage } = await import("../../image/pull.ts");
    try {
      return await ensureImage(this.req.store, ref, this.req.pull ? "always" : "missing", { quiet: true, platform: `${this.target.os}/${this.target.architecture}` });
    } catch (error) {
      if (error instanceof Error && !(error instanceof BuildError)) throw new BuildError(`failed to resolve source image ${ref}: ${error.message}`);
      throw error;
    }
  }

  private async buildStage(stage: Stage): Promise<StageResult> {
    const name = stage.from.stageName ?? `stage-${stage.index}`;
    const fromRef = this.expand(stage.from.line, stage.from.image, this.globalLookup);
    let config: OciImageConfig;
    let key: string;
    const started = performance.now();
    const n = ++this.step;
    this.req.progress.start(n, `[${name} 1/${stage.instructions.length + 1}] FROM ${fromRef}`);
    try {
      ({ config, key } = await this.from(stage, fromRef));
    } catch (error) {
      this.req.progress.failed(n, (performance.now() - started) / 1000);
      throw error;
    }
    this.req.progress.done(n, (performance.now() - started) / 1000);
    const state = { config, key, args: new Map<string, string | undefined>(), cmdSet: false };
    // ONBUILD triggers of the base image run first, and are not inherited further.
    const triggers = (config.config?.OnBuild as string[] | null | undefined) ?? [];
    if (config.config && config.config.OnBuild !== undefined) delete config.config.OnBuild;
    for (const trigger of triggers) {
      const parsed = parseDockerfile(`FROM scratch\n${trigger}\n`, `ONBUILD trigger of ${fromRef}`).stages[0]!.instructions[0]!;
      await this.runInstruction(stage, name, { ...parsed, line: stage.from.line }, state, `?`);
    }
    let i = 1;
    for (const ins of stage.instructions) await this.runInstruction(stage, name, ins, state, `${++i}/${stage.instructions.length + 1}`);
    return { config: state.config, key: state.key };
  }

  /** The stage's starting point: scratch, an earlier stage, or an image (pulled if missing). */
  private async from(stage: Stage, fromRef: string): Promise<{ config: OciImageConfig; key: string }> {
    let config: OciImageConfig;
    let key: string;
    const parent = findStage(this.df, fromRef, stage.index);
    if (fromRef.toLowerCase() === "scratch") {
      config = { architecture: this.target.architecture, os: this.target.os, config: {}, rootfs: { type: "layers", diff_ids: [] }, history: [] };
      key = stepKey("", "FROM scratch", `${this.target.os}/${this.target.architecture}`);
    } else if (parent) {
      const r = await this.stageResult(parent);
      config = clone(r.config);
      key = r.key;
    } else {
      let image: ImageRecord;
      try {
        image = await this.image(fromRef);
      } catch (error) {
        if (error instanceof UserError) throw new BuildError(`${this.req.context.dockerfileName}:${stage.from.line}: FROM ${fromRef}: ${error.message}`);
        throw error;
      }
      config = clone(image.config);
      config.history ??= [];
      key = stepKey("", "FROM", image.id);
    }
    return { config, key };
  }

  private async runInstruction(stage: Stage, stageName: string, ins: Instruction, state: { config: OciImageConfig; key: string; args: Map<string, string | undefined>; cmdSet: boolean }, position: string): Promise<void> {
    const env = envMap(state.config);
    const lookup: Lookup = (k) => env.get(k) ?? state.args.get(k);
    const file = this.req.context.dockerfileName;
    if (ins.kind === "ARG") {
      for (const a of ins.args) {
        const value = this.req.buildArgs.has(a.name) ? this.req.buildArgs.get(a.name)
          : a.defaultValue !== undefined ? this.expand(ins.line, a.defaultValue, lookup)
          : this.globals.get(a.name);
        state.args.set(a.name, value);
      }
      return;
    }
    const n = ++this.step;
    this.req.progress.start(n, `[${stageName} ${position}] ${ins.original}`);
    const started = performance.now();
    try {
      const outcome = await this.execute(stage, ins, state, lookup, n);
      trace(`build: step ${n} ${outcome}`);
      if (outcome === "cached") this.req.progress.cached(n);
      else this.req.progress.done(n, (performance.now() - started) / 1000);
    } catch (error) {
      this.req.progress.failed(n, (performance.now() - started) / 1000);
      // Any error the user can act on (a RUN whose command cannot start, a bad --chown, …) fails the
      // build with exit 1 and names the step; engine faults keep their own class and exit code.
      if (error instanceof UserError && !error.message.startsWith(`${file}:`)) {
        throw new BuildError(`${file}:${ins.line}: ${ins.original.split("\n")[0]}: ${error.message}`);
      }
      throw error;
    }
  }

  /** Looks the step up in the cache, or runs `make`; records the result under the new key. */
  private async cached(state: { config: OciImageConfig; key: string }, text: string, content: string, make: () => Promise<OciImageConfig>): Promise<"cached" | "done"> {
    const key = stepKey(state.key, text, content);
    const hit = this.req.noCache ? null : this.cache.get(key);
    if (hit) {
      state.config = hit;
      state.key = key;
      return "cached";
    }
    const config = await make();
    this.cache.put(key, config);
    state.config = config;
    state.key = key;
    return "done";
  }

  private withHistory(config: OciImageConfig, createdBy: string, diffId?: string): OciImageConfig {
    const next = clone(config);
    if (diffId) next.rootfs.diff_ids.push(diffId);
    (next.history ??= []).push({ created: createdNow(), created_by: createdBy, comment: "minibox build", ...(diffId ? {} : { empty_layer: true }) });
    return next;
  }

  private async execute(stage: Stage, ins: Instruction, state: { config: OciImageConfig; key: string; args: Map<string, string | undefined>; cmdSet: boolean }, lookup: Lookup, step: number): Promise<"cached" | "done"> {
    if (ins.kind === "RUN") return this.run(stage, ins, state, lookup, step);
    if (ins.kind === "COPY" || ins.kind === "ADD") return this.copy(stage, ins, state, lookup);
    const next = clone(state.config);
    const cmdState = { cmdSet: state.cmdSet };
    const text = applyMetadata(next, ins, lookup, this.df.escape, cmdState);
    state.cmdSet = cmdState.cmdSet;
    if (ins.kind === "WORKDIR") {
      // The directory is created when the image lacks it (BuildKit does; RUN and the container need it).
      const target = new LayeredFs(next.rootfs.diff_ids.map((d) => this.req.store.layerPath(d)));
      const user = next.config?.User;
      const owner = user ? parseChown(user, target) : { uid: 0, gid: 0 };
      const plan = planMkdir(target, next.config!.WorkingDir!, owner);
      if (plan) {
        return this.cached(state, text, await planDigest(plan), async () => {
          const layer = await this.req.store.addLayer(writeTar(plan), {}, "WORKDIR layer", { keepBlob: true });
          return this.withHistory(next, `${text} # buildkit`, layer.diffId);
        });
      }
    }
    return this.cached(state, text, "", async () => this.withHistory(next, text));
  }

  /** Where RUN --mount's binds come from: the context, or a stage or image named in from=. */
  private mountSources(stage: Stage): MountSources {
    return {
      root: this.req.store.root, tmp: this.req.store.tmpDir(),
      context: { fs: this.contextFs, confine: (path) => new BuildError(`forbidden path outside the build context: ${path}`) },
      resolveFrom: async (ref) => {
        const fromStage = findStage(this.df, ref);
        if (fromStage && fromStage.index === stage.index) throw new BuildError(`circular dependency detected on stage: ${ref}`);
        if (fromStage) {
          const r = await this.stageResult(fromStage);
          return { layers: r.config.rootfs.diff_ids.map((d) => this.req.store.layerPath(d)), key: `stage:${r.key}` };
        }
        const image = await this.image(ref);
        return { layers: image.config.rootfs.diff_ids.map((d) => this.req.store.layerPath(d)), key: image.id };
      },
      contextDigest: async (source) => {
        const plan = await planCopy({
          kind: "COPY", sources: [source], dest: "/mount/", heredocs: new Map(), target: new LayeredFs([]),
          source: { fs: this.contextFs, context: true, ignore: this.req.context.ignore, preserveOwner: true },
        });
        return planDigest(plan);
      },
    };
  }

  private async run(stage: Stage, ins: RunInstruction, state: { config: OciImageConfig; key: string; args: Map<string, string | undefined> }, lookup: Lookup, step: number): Promise<"cached" | "done"> {
    if (ins.security !== undefined) throw new BuildError("RUN --security is not supported by minibox build");
    // `default` is the build's own mode (`build --network`, the bridge unless told otherwise).
    const network: RunNetwork | undefined = ins.network === undefined || ins.network === "default" ? this.req.network
      : ins.network === "none" || ins.network === "host" ? ins.network : undefined;
    if (network === undefined) throw new BuildError(`unsupported network mode for RUN: ${ins.network} (default, none or host)`);
    const env = envMap(state.config);
    const args = commandArgs(ins.command, shellOf(state.config.config ?? {}));
    const argEnv = [...state.args].filter(([k, v]) => v !== undefined && !env.has(k)).map(([k, v]) => `${k}=${v}`);
    const proxies = [...this.req.buildArgs].filter(([k]) => PROXY_ARGS.has(k) && !state.args.has(k)).map(([k, v]) => `${k}=${v}`);
    const shown = argEnv.filter((e) => !PROXY_ARGS.has(e.slice(0, e.indexOf("="))));
    const createdBy = `RUN ${shown.length ? `|${shown.length} ${shown.join(" ")} ` : ""}${args.join(" ")} # buildkit`;
    const mounts = ins.mounts.map((spec) => parseRunMount(this.expand(ins.line, spec, lookup), state.config.config?.WorkingDir ?? "/"));
    // Only a RUN with mounts pays for resolving their sources (a cached RUN without any stays a file read).
    const sources = mounts.length ? this.mountSources(stage) : undefined;
    const mountKey = sources ? await mountKeys(mounts, sources) : [];
    return this.cached(state, JSON.stringify(["RUN", args, shown, network, ...(mounts.length ? [mountKey] : [])]), "", async () => {
      const prepared = sources ? await prepareRunMounts(mounts, sources) : { requests: [], release: () => {} };
      try {
        const diffId = await runStep({
          store: this.req.store, config: state.config, args, env: [...argEnv, ...proxies], network, mounts: prepared.requests,
          output: (chunk) => this.req.progress.output(step, chunk),
          collect: async (entries) => (await this.req.store.addLayer(writeTar(clampedMtimes(entries)), {}, "RUN layer", { keepBlob: true })).diffId,
        });
        return this.withHistory(state.config, createdBy, diffId);
      } finally {
        prepared.release();
      }
    });
  }

  private async copy(stage: Stage, ins: CopyInstruction, state: { config: OciImageConfig; key: string }, lookup: Lookup): Promise<"cached" | "done"> {
    if (ins.keepGitDir) throw new BuildError(`${ins.kind} --keep-git-dir is not supported by minibox build (git sources are not)`);
    const w = (s: string) => expandWord(s, lookup, this.df.escape);
    const target = new LayeredFs(state.config.rootfs.diff_ids.map((d) => this.req.store.layerPath(d)));
    let source: CopySource = { fs: this.contextFs, context: true, ignore: this.req.context.ignore, preserveOwner: false };
    let fromId = "context";
    if (ins.from !== undefined) {
      const ref = w(ins.from);
      const fromStage = findStage(this.df, ref);
      if (fromStage && fromStage.index === stage.index) throw new BuildError(`circular dependency detected on stage: ${ref}`);
      let config: OciImageConfig;
      if (fromStage) {
        const r = await this.stageResult(fromStage);
        config = r.config;
        fromId = `stage:${r.key}`;
      } else {
        const image = await this.image(ref);
        config = image.config;
        fromId = image.id;
      }
      source = { fs: new LayeredFs(config.rootfs.diff_ids.map((d) => this.req.store.layerPath(d))), context: false, ignore: [], preserveOwner: true };
    }
    const heredocs = new Map<string, string>();
    for (const h of ins.heredocs) {
      const body = h.chomp ? h.content.replace(/^\t+/gm, "") : h.content;
      heredocs.set(h.name, h.expand ? expandHeredoc(body, lookup) : body);
    }
    const sources = ins.sources.map((s) => (/^[0-9]*<</.test(s) ? s : w(s)));
    // ADD <url>: downloaded (and checked against --checksum) before planning, removed after the step.
    const urls = ins.kind === "ADD" ? sources.filter((s) => isUrlSource(s) && !isGitSource(s)) : [];
    const checksum = ins.checksum !== undefined ? parseChecksum(w(ins.checksum)) : undefined;
    if (checksum !== undefined && (urls.length === 0 || urls.length !== sources.length)) throw new BuildError("checksum can't be specified for non-HTTP(S) sources");
    const downloads = urls.length ? await downloadSources(urls, this.req.store.tmpDir(), checksum) : undefined;
    try {
      return await this.copyPlanned(ins, state, { sources, source, target, fromId, downloads, heredocs, lookup });
    } finally {
      downloads?.dispose();
    }
  }

  private async copyPlanned(ins: CopyInstruction, state: { config: OciImageConfig; key: string }, p: {
    sources: string[]; source: CopySource; target: LayeredFs; fromId: string; downloads: Downloads | undefined; heredocs: Map<string, string>; lookup: Lookup;
  }): Promise<"cached" | "done"> {
    const { sources, source, target, fromId, downloads, heredocs } = p;
    const w = (s: string) => expandWord(s, p.lookup, this.df.escape);
    const excludes = ins.excludes.map(w);
    const destRaw = w(ins.dest);
    const workdir = state.config.config?.WorkingDir || "/";
    const dest = posix.resolve(workdir, destRaw) + (destRaw.endsWith("/") || destRaw === "." || destRaw.endsWith("/.") ? "/" : "");
    const chown = ins.chown !== undefined ? parseChown(w(ins.chown), target) : undefined;
    const chmod = ins.chmod !== undefined ? parseChmod(w(ins.chmod)) : undefined;
    const plan = await planCopy({
      kind: ins.kind, sources, dest, source, target, heredocs, ...(downloads && { downloads: downloads.files }),
      ...(excludes.length && { excludes: parseDockerignore(excludes.join("\n")) }), ...(ins.parents && { parents: true }),
      ...(chown && { chown }), ...(chmod !== undefined && { chmod }),
      ...(ins.kind === "ADD" && ins.from === undefined && { unpackArchive: (node) => archiveEntries(node, sources.join(" ")) }),
    });
    const text = `${ins.kind} ${chown ? `--chown=${chown.uid}:${chown.gid} ` : ""}${chmod !== undefined ? `--chmod=${chmod.toString(8)} ` : ""}${ins.parents ? "--parents " : ""}${excludes.map((e) => `--exclude=${e} `).join("")}${sources.join(" ")} ${dest}`;
    const digest = await planDigest(plan);
    return this.cached(state, JSON.stringify([text, fromId]), digest, async () => {
      const layer = await this.req.store.addLayer(writeTar(plan), {}, `${ins.kind} layer`, { keepBlob: true });
      return this.withHistory(state.config, `${text} # buildkit`, layer.diffId);
    });
  }
}

/** A RUN's layer with SOURCE_DATE_EPOCH: no mtime after it (reproducible layers, as for COPY). */
async function* clampedMtimes(entries: AsyncIterable<TarWriteEntry>): AsyncIterable<TarWriteEntry> {
  const epoch = sourceDateEpoch();
  for await (const e of entries) yield epoch !== undefined && e.mtime !== undefined ? { ...e, mtime: clampMtime(e.mtime, epoch) } : e;
}

/** Heredoc bodies with an unquoted delimiter: `$VAR` and `${VAR…}` expand, quotes stay as written. */
function expandHeredoc(body: string, lookup: Lookup): string {
  return body.replace(/\\\$|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m) => {
    if (m === "\\$") return "$";
    try {
      return expandWord(m, lookup);
    } catch {
      return m;
    }
  });
}
