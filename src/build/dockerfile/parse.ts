// Dockerfile text → typed AST, with Docker's error messages and the line of the instruction.
import { DockerfileParseError } from "../errors.ts";
import type {
  ArgInstruction, Command, CopyInstruction, Dockerfile, FromInstruction, Instruction, KeyValue, Stage,
} from "./ast.ts";
import { extractFlags, FlagError, parseFlags, type FlagSpec, type FlagValues } from "./flags.ts";
import { splitLogicalLines, type Heredoc } from "./lines.ts";
import { commandOf, jsonStrings, quoteAwareWords, whitespaceWords } from "./words.ts";

const INSTRUCTIONS = new Set([
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
  "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
]);

const FLAGS: Record<string, FlagSpec> = {
  FROM: { platform: "string" },
  RUN: { mount: "strings", network: "string", security: "string" },
  COPY: { from: "string", chown: "string", chmod: "string", link: "bool", parents: "bool", exclude: "strings" },
  ADD: { chown: "string", chmod: "string", link: "bool", checksum: "string", "keep-git-dir": "bool", exclude: "strings" },
  HEALTHCHECK: { interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string" },
};

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** Thrown inside one instruction's parser; turned into a DockerfileParseError with the line. */
class LineError extends Error {}

interface Raw { keyword: string; rest: string; line: number; original: string; heredocs: Heredoc[]; escape: string }

export function parseDockerfile(source: string, file = "Dockerfile"): Dockerfile {
  const { directives, lines } = splitLogicalLines(source, file);
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  for (const logical of lines) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(logical.text)!;
    const raw: Raw = {
      keyword: m[1]!.toUpperCase(), rest: m[2]!, line: logical.line, original: logical.text.trim(),
      heredocs: logical.heredocs, escape: directives.escape,
    };
    let instruction: Instruction;
    try {
      instruction = parseInstruction(raw);
    } catch (error) {
      if (error instanceof LineError || error instanceof FlagError) throw new DockerfileParseError(raw.line, error.message, file);
      throw error;
    }
    if (instruction.kind === "FROM") {
      if (instruction.stageName !== undefined && stages.some((s) => s.from.stageName === instruction.stageName)) {
        throw new DockerfileParseError(raw.line, `duplicate stage name "${instruction.stageName}"`, file);
      }
      stages.push({ from: instruction, index: stages.length, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.kind !== "ARG") throw new DockerfileParseError(raw.line, "no build stage in current context", file);
      metaArgs.push(instruction);
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  if (stages.length === 0) throw new DockerfileParseError(0, "file with no instructions", file);
  return { escape: directives.escape, ...(directives.syntax !== undefined && { syntax: directives.syntax }), metaArgs, stages };
}

function flagsOf(raw: Raw): { values: FlagValues; rest: string } {
  const { flags, rest } = extractFlags(raw.rest);
  return { values: parseFlags(flags, FLAGS[raw.keyword] ?? {}), rest };
}

function parseInstruction(raw: Raw): Instruction {
  if (!INSTRUCTIONS.has(raw.keyword)) throw new LineError(`unknown instruction: ${raw.keyword}`);
  const { values, rest } = flagsOf(raw);
  const base = { line: raw.line, original: raw.original };
  const str = (name: string) => values[name] as string | undefined;
  const k = raw.keyword;
  switch (k) {
    case "FROM": return parseFrom(rest, base, str("platform"));
    case "RUN": {
      const command = runCommand(rest, raw.heredocs, k);
      return { ...base, kind: "RUN", command, heredocs: raw.heredocs, mounts: (values.mount as string[] | undefined) ?? [],
        ...(str("network") !== undefined && { network: str("network") }), ...(str("security") !== undefined && { security: str("security") }) };
    }
    case "CMD": case "ENTRYPOINT": {
      const command = commandOf(rest);
      if (command.form === "shell" && command.text === "") throw new LineError(`${k} requires at least one argument`);
      return { ...base, kind: k, command };
    }
    case "SHELL": {
      const shell = jsonStrings(rest);
      if (!shell) throw new LineError("SHELL requires the arguments to be in JSON form");
      if (shell.length === 0) throw new LineError("SHELL requires at least one argument");
      return { ...base, kind: "SHELL", shell };
    }
    case "ENV": case "LABEL": return { ...base, kind: k, pairs: nameValues(rest, k, raw.escape) };
    case "ARG": return parseArg(rest, base, raw.escape);
    case "EXPOSE": case "VOLUME": {
      const json = k === "VOLUME" ? jsonStrings(rest) : null;
      const words = json ?? whitespaceWords(rest);
      if (words.length === 0) throw new LineError(`${k} requires at least one argument`);
      if (json && json.some((w) => w.trim() === "")) throw new LineError("VOLUME specified can not be an empty string");
      return { ...base, kind: k, words, json: json !== null };
    }
    case "USER": case "WORKDIR": case "STOPSIGNAL": case "MAINTAINER": {
      const value = rest.trim();
      if (value === "") throw new LineError(`${k} requires exactly one argument`);
      if (k === "STOPSIGNAL" && whitespaceWords(value).length !== 1) throw new LineError("STOPSIGNAL requires exactly one argument");
      return { ...base, kind: k, value };
    }
    case "HEALTHCHECK": return parseHealthcheck(rest, base, values);
    case "ONBUILD": return parseOnbuild(rest, raw, base);
    case "COPY": case "ADD": return parseCopy(k, rest, raw, base, values);
  }
  throw new LineError(`unknown instruction: ${k}`);
}

function parseFrom(rest: string, base: { line: number; original: string }, platform: string | undefined): FromInstruction {
  const words = whitespaceWords(rest);
  if (words.length !== 1 && !(words.length === 3 && words[1]!.toUpperCase() === "AS")) {
    throw new LineError("FROM requires either one or three arguments");
  }
  const from: FromInstruction = { ...base, kind: "FROM", image: words[0]!, ...(platform !== undefined && { platform }) };
  if (words.length === 3) {
    const name = words[2]!.toLowerCase();
    if (!STAGE_NAME.test(name)) throw new LineError(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
    from.stageName = name;
  }
  return from;
}

/** A RUN's heredocs: alone they are the script, otherwise the shell reads them as here-documents. */
function runCommand(rest: string, heredocs: Heredoc[], keyword: string): Command {
  const command = commandOf(rest);
  if (command.form === "exec") return command;
  if (command.text === "") throw new LineError(`${keyword} requires at least one argument`);
  if (heredocs.length === 0) return command;
  if (heredocs.length === 1 && /^[0-9]*<<-?["']?[^\s"']+["']?$/.test(command.text)) {
    const h = heredocs[0]!;
    return { form: "shell", text: h.chomp ? h.content.replace(/^\t+/gm, "") : h.content };
  }
  return { form: "shell", text: [command.text, ...heredocs.map((h) => `${h.content}${h.name}`)].join("\n") };
}

function nameValues(rest: string, keyword: string, escape: string): KeyValue[] {
  const words = quoteAwareWords(rest, escape);
  if (words.length === 0) throw new LineError(`${keyword} requires at least one argument`);
  if (!words[0]!.includes("=")) {
    // The legacy form `ENV KEY value with spaces`.
    const m = /^\s*(\S+)\s+([\s\S]+?)\s*$/.exec(rest);
    if (!m) throw new LineError(`${keyword} must have two arguments`);
    return [{ key: m[1]!, value: m[2]! }];
  }
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq < 0) throw new LineError(`Syntax error - can't find = in "${word}". Must be of the form: name=value`);
    if (eq === 0) throw new LineError(`${keyword} names can not be blank`);
    return { key: word.slice(0, eq), value: word.slice(eq + 1) };
  });
}

function parseArg(rest: string, base: { line: number; original: string }, escape: string): ArgInstruction {
  const words = quoteAwareWords(rest, escape);
  if (words.length === 0) throw new LineError("ARG requires at least one argument");
  return {
    ...base, kind: "ARG",
    args: words.map((word) => {
      const eq = word.indexOf("=");
      const name = eq < 0 ? word : word.slice(0, eq);
      if (name === "") throw new LineError("ARG names can not be blank");
      return eq < 0 ? { name } : { name, defaultValue: word.slice(eq + 1) };
    }),
  };
}

function parseHealthcheck(rest: string, base: { line: number; original: string }, values: FlagValues): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest.trim());
  if (!m) throw new LineError("HEALTHCHECK requires at least one argument");
  const type = m[1]!.toUpperCase();
  if (type === "NONE") {
    if (m[2]!.trim() !== "" || Object.keys(values).length) throw new LineError("HEALTHCHECK NONE takes no arguments");
    return { ...base, kind: "HEALTHCHECK" };
  }
  if (type !== "CMD") throw new LineError(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const test = commandOf(m[2]!);
  if (test.form === "shell" && test.text === "") throw new LineError("Missing command after HEALTHCHECK CMD");
  const str = (name: string) => values[name] as string | undefined;
  const retries = str("retries");
  if (retries !== undefined && !(/^[0-9]+$/.test(retries) && Number(retries) >= 1)) {
    throw new LineError(`--retries must be at least 1 (not ${retries})`);
  }
  return {
    ...base, kind: "HEALTHCHECK", test,
    ...(str("interval") !== undefined && { interval: str("interval") }),
    ...(str("timeout") !== undefined && { timeout: str("timeout") }),
    ...(str("start-period") !== undefined && { startPeriod: str("start-period") }),
    ...(str("start-interval") !== undefined && { startInterval: str("start-interval") }),
    ...(retries !== undefined && { retries }),
  };
}

function parseOnbuild(rest: string, raw: Raw, base: { line: number; original: string }): Instruction {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(rest);
  if (!m) throw new LineError("ONBUILD requires at least one argument");
  const keyword = m[1]!.toUpperCase();
  if (keyword === "ONBUILD") throw new LineError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (keyword === "FROM" || keyword === "MAINTAINER") throw new LineError(`${keyword} isn't allowed as an ONBUILD trigger`);
  const parsed = parseInstruction({ ...raw, keyword, rest: m[2]!, heredocs: [] });
  return { ...base, kind: "ONBUILD", trigger: rest.trim(), parsed };
}

function parseCopy(kind: "COPY" | "ADD", rest: string, raw: Raw, base: { line: number; original: string }, values: FlagValues): CopyInstruction {
  const words = jsonStrings(rest) ?? whitespaceWords(rest);
  if (words.length < 2) {
    throw new LineError(`${kind} requires at least two arguments, but only ${words.length === 0 ? "none were" : "one was"} provided. Destination could not be determined.`);
  }
  const str = (name: string) => values[name] as string | undefined;
  return {
    ...base, kind, sources: words.slice(0, -1), dest: words[words.length - 1]!, heredocs: raw.heredocs,
    ...(str("from") !== undefined && { from: str("from") }),
    ...(str("chown") !== undefined && { chown: str("chown") }),
    ...(str("chmod") !== undefined && { chmod: str("chmod") }),
    ...(str("checksum") !== undefined && { checksum: str("checksum") }),
    link: values.link === true, keepGitDir: values["keep-git-dir"] === true, parents: values.parents === true,
    excludes: (values.exclude as string[] | undefined) ?? [],
  };
}
