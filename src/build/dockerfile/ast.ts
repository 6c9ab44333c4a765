// The typed Dockerfile AST. Values are as written (not yet expanded): the executor expands them with
// the stage's ARG and ENV, because their values are known only while building.
import type { Heredoc } from "./lines.ts";

export type { Heredoc } from "./lines.ts";

export type Command = { form: "shell"; text: string } | { form: "exec"; args: string[] };

export interface KeyValue { key: string; value: string }

interface Base {
  /** Line of the instruction's first physical line, 1-based. */
  line: number;
  /** The instruction as written (continuations joined), for messages and history. */
  original: string;
}

export interface FromInstruction extends Base { kind: "FROM"; image: string; stageName?: string; platform?: string }
export interface RunInstruction extends Base {
  kind: "RUN"; command: Command; heredocs: Heredoc[];
  network?: string; mounts: string[]; security?: string;
}
export interface CmdInstruction extends Base { kind: "CMD" | "ENTRYPOINT"; command: Command }
export interface ShellInstruction extends Base { kind: "SHELL"; shell: string[] }
export interface EnvInstruction extends Base { kind: "ENV" | "LABEL"; pairs: KeyValue[] }
export interface ArgInstruction extends Base { kind: "ARG"; args: { name: string; defaultValue?: string }[] }
export interface WordsInstruction extends Base { kind: "EXPOSE" | "VOLUME"; words: string[]; json: boolean }
export interface ValueInstruction extends Base { kind: "USER" | "WORKDIR" | "STOPSIGNAL" | "MAINTAINER"; value: string }
export interface HealthcheckInstruction extends Base {
  kind: "HEALTHCHECK";
  /** Absent for HEALTHCHECK NONE. */
  test?: Command;
  interval?: string; timeout?: string; startPeriod?: string; startInterval?: string; retries?: string;
}
export interface OnbuildInstruction extends Base { kind: "ONBUILD"; trigger: string; parsed: Instruction }
export interface CopyInstruction extends Base {
  kind: "COPY" | "ADD";
  sources: string[]; dest: string; heredocs: Heredoc[];
  from?: string; chown?: string; chmod?: string; link: boolean; checksum?: string;
  keepGitDir: boolean; parents: boolean; excludes: string[];
}

export type Instruction =
  | FromInstruction | RunInstruction | CmdInstruction | ShellInstruction | EnvInstruction | ArgInstruction
  | WordsInstruction | ValueInstruction | HealthcheckInstruction | OnbuildInstruction | CopyInstruction;

export interface Stage {
  from: FromInstruction;
  /** Position in the file (stages are also addressed by index, as in `COPY --from=0`). */
  index: number;
  instructions: Instruction[];
}

export interface Dockerfile {
  escape: string;
  syntax?: string;
  /** ARG instructions before the first FROM: usable in FROM lines only, and by `ARG NAME` in a stage. */
  metaArgs: ArgInstruction[];
  stages: Stage[];
}
