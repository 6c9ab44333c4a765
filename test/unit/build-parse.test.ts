// The Dockerfile parser, from the Dockerfile reference's examples, plus a fuzz test: random and mutated
// Dockerfiles never throw anything but DockerfileParseError.
import { describe, expect, test } from "bun:test";
import { parseDockerfile } from "../../src/build/dockerfile/parse.ts";
import { DockerfileParseError } from "../../src/build/errors.ts";
import type { Instruction } from "../../src/build/dockerfile/ast.ts";

const only = (text: string): Instruction => parseDockerfile(`FROM scratch\n${text}`).stages[0]!.instructions[0]!;
const parseError = (text: string): string => {
  try {
    parseDockerfile(text);
  } catch (e) {
    expect(e).toBeInstanceOf(DockerfileParseError);
    return (e as Error).message;
  }
  throw new Error("expected a parse error");
};

describe("directives, comments and continuations", () => {
  test("escape=` makes the backtick the continuation and escape character (reference example)", () => {
    const df = parseDockerfile("# escape=`\n\nFROM mcr.microsoft.com/windows/servercore\nCOPY testfile.txt c:\\\nRUN dir c:\\\n");
    expect(df.escape).toBe("`");
    const [copy, run] = df.stages[0]!.instructions;
    expect(copy).toMatchObject({ kind: "COPY", sources: ["testfile.txt"], dest: "c:\\", line: 4 });
    expect(run).toMatchObject({ kind: "RUN", command: { form: "shell", text: "dir c:\\" }, line: 5 });
  });
  test("# syntax= is accepted; directive names are case-insensitive", () => {
    const df = parseDockerfile("# syntax=docker/dockerfile:1\n# ESCAPE=`\nFROM a\nRUN echo `\n  hi\n");
    expect(df.syntax).toBe("docker/dockerfile:1");
    expect(df.stages[0]!.instructions[0]).toMatchObject({ command: { text: "echo   hi" } });
  });
  test("directives after a comment, an empty line or an instruction are comments", () => {
    expect(parseDockerfile("# about\n# escape=`\nFROM a\n").escape).toBe("\\");
    expect(parseDockerfile("\n# escape=`\nFROM a\n").escape).toBe("\\");
    expect(parseDockerfile("# unknowndirective=value\n# escape=`\nFROM a\n").escape).toBe("\\");
    expect(parseDockerfile("FROM a\n# escape=`\n").escape).toBe("\\");
  });
  test("a repeated or invalid directive is an error", () => {
    expect(parseError("# escape=\\\n# escape=`\nFROM a\n")).toBe("Dockerfile:2: dockerfile parse error on line 2: only one escape parser directive can be used");
    expect(parseError("# escape=x\nFROM a\n")).toContain("invalid escape token 'x'");
  });
  test("comments and empty lines inside a continuation are skipped (reference example)", () => {
    const df = parseDockerfile("FROM a\nRUN echo hello \\\n# comment\nworld\n\nRUN echo hello \\\n\nworld\n");
    const [a, b] = df.stages[0]!.instructions;
    expect(a).toMatchObject({ command: { text: "echo hello world" }, line: 2 });
    expect(b).toMatchObject({ command: { text: "echo hello world" }, line: 6 });
  });
  test("leading whitespace, CRLF and a BOM", () => {
    const df = parseDockerfile("\uFEFF  FROM a\r\n\t  run   echo hi\r\n  # indented comment\r\n");
    expect(df.stages[0]!.instructions).toHaveLength(1);
    expect(df.stages[0]!.instructions[0]).toMatchObject({ kind: "RUN", command: { text: "echo hi" } });
  });
  test("a # in the middle of a line is not a comment", () => {
    expect(only("RUN echo hello # world")).toMatchObject({ command: { text: "echo hello # world" } });
  });
});

describe("instructions", () => {
  test("FROM forms", () => {
    const df = parseDockerfile("ARG V=1\nFROM --platform=$BUILDPLATFORM busybox:${V} AS Build\nFROM build\nFROM scratch as x.y-z_1\n");
    expect(df.metaArgs[0]).toMatchObject({ args: [{ name: "V", defaultValue: "1" }] });
    expect(df.stages.map((s) => s.from)).toMatchObject([
      { image: "busybox:${V}", stageName: "build", platform: "$BUILDPLATFORM", line: 2 },
      { image: "build" },
      { image: "scratch", stageName: "x.y-z_1" },
    ]);
    expect(parseError("FROM a b\n")).toBe("Dockerfile:1: dockerfile parse error on line 1: FROM requires either one or three arguments");
    expect(parseError("FROM a AS 1x\n")).toContain("invalid name for build stage");
    expect(parseError("FROM a AS x\nFROM b AS x\n")).toContain('line 2: duplicate stage name "x"');
  });
  test("RUN, CMD, ENTRYPOINT: exec form is a JSON array of strings, anything else is shell form", () => {
    expect(only('RUN ["/bin/bash", "-c", "echo hello"]')).toMatchObject({ command: { form: "exec", args: ["/bin/bash", "-c", "echo hello"] } });
    expect(only("RUN [ \"a\", 1 ]")).toMatchObject({ command: { form: "shell", text: "[ \"a\", 1 ]" } });
    expect(only("RUN ['a']")).toMatchObject({ command: { form: "shell" } });
    expect(only('CMD ["executable","param1"]')).toMatchObject({ kind: "CMD", command: { form: "exec", args: ["executable", "param1"] } });
    expect(only("CMD []")).toMatchObject({ kind: "CMD", command: { form: "exec", args: [] } });
    expect(only("ENTRYPOINT exec top -b")).toMatchObject({ kind: "ENTRYPOINT", command: { form: "shell", text: "exec top -b" } });
    expect(only("RUN --network=none --mount=type=cache,target=/c --mount=type=tmpfs,target=/t true"))
      .toMatchObject({ network: "none", mounts: ["type=cache,target=/c", "type=tmpfs,target=/t"], command: { text: "true" } });
    expect(parseError("FROM a\nRUN\n")).toContain("line 2: RUN requires at least one argument");
  });
  test("SHELL needs JSON", () => {
    expect(only('SHELL ["powershell", "-command"]')).toMatchObject({ shell: ["powershell", "-command"] });
    expect(parseError("FROM a\nSHELL /bin/bash -c\n")).toContain("SHELL requires the arguments to be in JSON form");
  });
  test("ENV and LABEL, both forms (reference examples)", () => {
    expect(only('ENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog MY_CAT=fluffy')).toMatchObject({
      pairs: [{ key: "MY_NAME", value: '"John Doe"' }, { key: "MY_DOG", value: "Rex\\ The\\ Dog" }, { key: "MY_CAT", value: "fluffy" }],
    });
    expect(only("ENV MY_VAR my-value with spaces")).toMatchObject({ pairs: [{ key: "MY_VAR", value: "my-value with spaces" }] });
    expect(only('LABEL "com.example.vendor"="ACME Incorporated" version="1.0"')).toMatchObject({
      kind: "LABEL", pairs: [{ key: '"com.example.vendor"', value: '"ACME Incorporated"' }, { key: "version", value: '"1.0"' }],
    });
    expect(only('LABEL description="This text illustrates \\\nthat label-values can span multiple lines."')).toMatchObject({
      pairs: [{ key: "description", value: '"This text illustrates that label-values can span multiple lines."' }],
    });
    expect(parseError("FROM a\nENV\n")).toContain("ENV requires at least one argument");
    expect(parseError("FROM a\nENV ONLY\n")).toContain("ENV must have two arguments");
    expect(parseError("FROM a\nENV A=1 B\n")).toContain(`Syntax error - can't find = in "B". Must be of the form: name=value`);
    expect(parseError("FROM a\nENV =x\n")).toContain("ENV names can not be blank");
  });
  test("ARG with and without defaults, several per line", () => {
    expect(only("ARG user1=someuser buildno=1 plain")).toMatchObject({
      args: [{ name: "user1", defaultValue: "someuser" }, { name: "buildno", defaultValue: "1" }, { name: "plain" }],
    });
  });
  test("EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER", () => {
    expect(only("EXPOSE 80/tcp 80/udp")).toMatchObject({ words: ["80/tcp", "80/udp"] });
    expect(only('VOLUME ["/data"]')).toMatchObject({ words: ["/data"], json: true });
    expect(only("VOLUME /var/log /var/db")).toMatchObject({ words: ["/var/log", "/var/db"], json: false });
    expect(only("USER patrick:staff")).toMatchObject({ kind: "USER", value: "patrick:staff" });
    expect(only("WORKDIR /path/to/$DIRNAME")).toMatchObject({ kind: "WORKDIR", value: "/path/to/$DIRNAME" });
    expect(only("STOPSIGNAL SIGKILL")).toMatchObject({ value: "SIGKILL" });
    expect(only("MAINTAINER Jane <j@example.com>")).toMatchObject({ kind: "MAINTAINER", value: "Jane <j@example.com>" });
    expect(parseError("FROM a\nUSER\n")).toContain("USER requires exactly one argument");
    expect(parseError("FROM a\nSTOPSIGNAL a b\n")).toContain("STOPSIGNAL requires exactly one argument");
    expect(parseError("FROM a\nVOLUME\n")).toContain("VOLUME requires at least one argument");
  });
  test("HEALTHCHECK", () => {
    expect(only("HEALTHCHECK --interval=5m --timeout=3s \\\n  CMD curl -f http://localhost/ || exit 1")).toMatchObject({
      interval: "5m", timeout: "3s", test: { form: "shell", text: "curl -f http://localhost/ || exit 1" },
    });
    expect(only("HEALTHCHECK NONE")).toMatchObject({ kind: "HEALTHCHECK" });
    expect((only("HEALTHCHECK NONE") as { test?: unknown }).test).toBeUndefined();
    expect(only('HEALTHCHECK --retries=3 CMD ["true"]')).toMatchObject({ retries: "3", test: { form: "exec", args: ["true"] } });
    expect(parseError("FROM a\nHEALTHCHECK NONE x\n")).toContain("HEALTHCHECK NONE takes no arguments");
    expect(parseError("FROM a\nHEALTHCHECK RUN x\n")).toContain('Unknown type "RUN" in HEALTHCHECK (try CMD)');
    expect(parseError("FROM a\nHEALTHCHECK --retries=0 CMD x\n")).toContain("--retries must be at least 1");
  });
  test("ONBUILD", () => {
    expect(only("ONBUILD ADD . /app/src")).toMatchObject({ kind: "ONBUILD", trigger: "ADD . /app/src", parsed: { kind: "ADD", sources: ["."], dest: "/app/src" } });
    expect(parseError("FROM a\nONBUILD ONBUILD RUN x\n")).toContain("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    expect(parseError("FROM a\nONBUILD FROM x\n")).toContain("FROM isn't allowed as an ONBUILD trigger");
    expect(parseError("FROM a\nONBUILD RUNN x\n")).toContain("unknown instruction: RUNN");
  });
  test("COPY and ADD: flags, JSON form, wildcards", () => {
    expect(only("COPY --from=build --chown=55:mygroup --chmod=644 --link files* /somedir/")).toMatchObject({
      kind: "COPY", from: "build", chown: "55:mygroup", chmod: "644", link: true, sources: ["files*"], dest: "/somedir/",
    });
    expect(only('ADD ["hom* file.txt", "/mydir/"]')).toMatchObject({ kind: "ADD", sources: ["hom* file.txt"], dest: "/mydir/" });
    expect(only("ADD --checksum=sha256:24454f8 https://x/y.tar /")).toMatchObject({ checksum: "sha256:24454f8" });
    expect(parseError("FROM a\nCOPY onlyone\n")).toContain("COPY requires at least two arguments, but only one was provided. Destination could not be determined.");
    expect(parseError("FROM a\nCOPY --bogus=1 a b\n")).toBe("Dockerfile:2: dockerfile parse error on line 2: unknown flag: bogus");
    expect(parseError("FROM a\nCOPY --from a b\n")).toContain("missing a value on flag: from");
    expect(parseError("FROM a\nCOPY --from=a --from=b a b\n")).toContain("duplicate flag specified: from");
    expect(parseError("FROM a\nADD --from=x a b\n")).toContain("unknown flag: from");
    expect(parseError("FROM a\nCOPY --link=maybe a b\n")).toContain("expecting boolean value for flag link, not: maybe");
  });
});

describe("heredocs", () => {
  test("RUN <<EOF alone is the script (reference example)", () => {
    const run = only("RUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n");
    expect(run).toMatchObject({ command: { form: "shell", text: "apt-get update\napt-get install -y curl\n" }, line: 2 });
  });
  test("a heredoc fed to a command stays a shell here-document; several heredocs in order", () => {
    const run = only("RUN python3 <<EOF\nprint('x')\nEOF\n");
    expect(run).toMatchObject({ command: { text: "python3 <<EOF\nprint('x')\nEOF" } });
    const two = only("RUN <<FILE1 cat > file1 && <<FILE2 cat > file2\nI am\nfirst\nFILE1\nI am\nsecond\nFILE2\n");
    expect(two).toMatchObject({ heredocs: [{ name: "FILE1", content: "I am\nfirst\n" }, { name: "FILE2", content: "I am\nsecond\n" }] });
  });
  test("COPY <<EOF, quoted delimiters, <<- and the lines after", () => {
    const df = parseDockerfile("FROM a\nCOPY <<-\"EOT\" /hello\n\thello $X\n\tEOT\nRUN true\n");
    const [copy, run] = df.stages[0]!.instructions;
    expect(copy).toMatchObject({ kind: "COPY", sources: ['<<-"EOT"'], dest: "/hello", heredocs: [{ name: "EOT", content: "\thello $X\n", expand: false, chomp: true }] });
    expect(run).toMatchObject({ kind: "RUN", line: 5 });
  });
  test("heredoc bodies keep comment-like and empty lines", () => {
    expect(only("RUN <<EOF\n# not a comment\n\necho x\nEOF")).toMatchObject({ command: { text: "# not a comment\n\necho x\n" } });
  });
  test("an unterminated heredoc is an error on the instruction's line", () => {
    expect(parseError("FROM a\nRUN <<EOF\necho\n")).toBe("Dockerfile:2: dockerfile parse error on line 2: unterminated heredoc EOF");
  });
});

describe("errors", () => {
  test("unknown instruction, with the line", () => {
    expect(parseError("FROM a\n\n# c\nRUNN x\n")).toBe("Dockerfile:4: dockerfile parse error on line 4: unknown instruction: RUNN");
  });
  test("instructions before FROM, empty files", () => {
    expect(parseError("RUN x\n")).toContain("line 1: no build stage in current context");
    expect(parseError("# only a comment\n\n")).toBe("Dockerfile: dockerfile parse error: file with no instructions");
  });
  test("lowercase instructions are accepted", () => {
    expect(parseDockerfile("from a\nworkdir /x\n").stages[0]!.instructions[0]).toMatchObject({ kind: "WORKDIR" });
  });
});

describe("fuzz", () => {
  const pieces = ["FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "ONBUILD", "HEALTHCHECK", "SHELL", "CMD", "EXPOSE",
    "VOLUME", "USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER", "ENTRYPOINT", "AS", "--from=", "--chmod", "--", "<<EOF", "<<-'X'",
    "EOF", "X", "\\", "`", "\n", "\r\n", " ", "\t", "#", "# escape=`", "# syntax=x", "[", "]", '"', "'", "$", "${", "}", ":-",
    "=", "a", "b/c", "NONE", "\u00e9", "\u0000", "\uFEFF", "[\"x\"]", "[1]"];
  let seed = 12345;
  const random = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  test("random Dockerfiles only ever fail with DockerfileParseError", () => {
    for (let i = 0; i < 3000; i++) {
      let text = "";
      const n = Math.floor(random() * 40);
      for (let j = 0; j < n; j++) text += pieces[Math.floor(random() * pieces.length)];
      try {
        parseDockerfile(text);
      } catch (e) {
        if (!(e instanceof DockerfileParseError)) throw new Error(`input ${JSON.stringify(text)} threw ${e}`);
      }
    }
  });
  test("mutated valid Dockerfiles only ever fail with DockerfileParseError", () => {
    const valid = "# syntax=docker/dockerfile:1\nARG V=1\nFROM busybox:$V AS build\nRUN <<EOF\necho hi\nEOF\nCOPY --chown=1:1 a b /c/\nENV A=\"x y\" B=z\nHEALTHCHECK --interval=1s CMD true\nONBUILD RUN x\nFROM scratch\nCOPY --from=build /c /c\nCMD [\"sh\"]\n";
    for (let i = 0; i < 3000; i++) {
      const chars = Array.from(valid);
      const edits = 1 + Math.floor(random() * 5);
      for (let j = 0; j < edits; j++) {
        const at = Math.floor(random() * chars.length);
        const r = random();
        if (r < 0.33) chars.splice(at, 1);
        else if (r < 0.66) chars.splice(at, 0, pieces[Math.floor(random() * pieces.length)]!);
        else chars[at] = String.fromCharCode(Math.floor(random() * 128));
      }
      const text = chars.join("");
      try {
        parseDockerfile(text);
      } catch (e) {
        if (!(e instanceof DockerfileParseError)) throw new Error(`input ${JSON.stringify(text)} threw ${e}`);
      }
    }
  });
});
