// Which stages a build needs and in which order they depend on each other (FROM <stage>,
// COPY --from=<stage> and RUN --mount=from=<stage>), with cycle detection; unused stages are skipped, as BuildKit does.
import type { Dockerfile, Stage } from "../dockerfile/ast.ts";
import { expandWord, type Lookup } from "../dockerfile/expand.ts";
import { BuildError } from "../errors.ts";

/** A stage by name (case-insensitive) or index, as `FROM x` and `COPY --from=x` address them. */
export function findStage(df: Dockerfile, ref: string, before = Infinity): Stage | undefined {
  const name = ref.toLowerCase();
  const byName = df.stages.find((s) => s.from.stageName === name && s.index < before);
  if (byName) return byName;
  if (/^[0-9]+$/.test(ref)) {
    const s = df.stages[Number(ref)];
    if (s && s.index < before) return s;
  }
  return undefined;
}

export function targetStage(df: Dockerfile, target: string | undefined): Stage {
  if (target === undefined) return df.stages[df.stages.length - 1]!;
  const stage = df.stages.find((s) => s.from.stageName === target.toLowerCase());
  if (!stage) throw new BuildError(`failed to reach build target ${target} in Dockerfile`);
  return stage;
}

export function stageDependencies(df: Dockerfile, stage: Stage, globals: Lookup): Stage[] {
  const deps: Stage[] = [];
  const from = findStage(df, expandWord(stage.from.image, globals, df.escape), stage.index);
  if (from) deps.push(from);
  for (const ins of stage.instructions) {
    if ((ins.kind === "COPY" || ins.kind === "ADD") && ins.from !== undefined) {
      const ref = findStage(df, expandWord(ins.from, globals, df.escape));
      if (ref) deps.push(ref);
    }
    // RUN --mount=…,from=<stage>: a dependency too (else a cycle through it would wait forever).
    if (ins.kind === "RUN") {
      for (const mount of ins.mounts) {
        const from = mount.split(",").find((f) => f.toLowerCase().startsWith("from="))?.slice("from=".length);
        const ref = from ? findStage(df, expandWord(from, globals, df.escape)) : undefined;
        if (ref) deps.push(ref);
      }
    }
  }
  return deps;
}

/** The stages `target` needs, dependencies first; a cycle is an error naming a stage on it. */
export function neededStages(df: Dockerfile, target: Stage, globals: Lookup): Stage[] {
  const order: Stage[] = [];
  const state = new Map<number, "visiting" | "done">();
  const visit = (s: Stage) => {
    const st = state.get(s.index);
    if (st === "done") return;
    if (st === "visiting") throw new BuildError(`circular dependency detected on stage: ${s.from.stageName ?? s.index}`);
    state.set(s.index, "visiting");
    for (const d of stageDependencies(df, s, globals)) visit(d);
    state.set(s.index, "done");
    order.push(s);
  };
  visit(target);
  return order;
}
