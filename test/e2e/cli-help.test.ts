// Issue #13: help for every command in Docker's layout (synopsis, flags, examples), never coloured, exit 0;
// completion scripts generated from the command definitions; the binary invoked through a symlink named docker.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, REPO, makeSandbox, type Sandbox } from "./harness.ts";
import { writeDockerArchive } from "../fixtures/images.ts";
import { loadCommandTree } from "../../src/cli/command-tree.ts";

const T = 30_000;
let sb: Sandbox;
beforeAll(() => { sb = makeSandbox("minibox-e2e-help-"); });
afterAll(() => sb.cleanup());

const ANSI = /\x1b\[/;

describe("help", () => {
  test("help run, run --help and run -h: the same usage, IMAGE [COMMAND] [ARG...], flags, examples, exit 0", async () => {
    const outputs = [];
    for (const args of [["help", "run"], ["run", "--help"], ["run", "-h"], ["container", "run", "--help"]]) {
      const r = await sb.run(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: "" });
      outputs.push(r.stdout.replace("container run", "run"));
    }
    expect(new Set(outputs).size).toBe(1);
    const text = outputs[0]!;
    expect(text).toStartWith("Usage:  minibox run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun a command in a new container\n");
    expect(text).toMatch(/^ {2}-d, --detach {2,}Run container in background/m);
    expect(text).toMatch(/^ {6}--name string {2,}/m);
    expect(text).toMatch(/^ {2}-e, --env list {2,}/m);
    expect(text).toContain("\nExamples:\n  minibox run --rm -it busybox sh\n");
  }, T);

  test("every command and verb has help with a Usage line, exit 0, no colour even with a colour-loving env", async () => {
    const tree = await loadCommandTree();
    const paths = tree.flatMap((n) => [[n.name], ...n.children.map((c) => [n.name, c.name])]);
    expect(paths.length).toBeGreaterThan(60);
    for (const path of paths) {
      const r = await sb.run([...path, "--help"], { env: { FORCE_COLOR: "1", NO_COLOR: "" } });
      expect({ path, code: r.code, stderr: r.stderr }).toEqual({ path, code: 0, stderr: "" });
      // An alias verb shows Docker's synopsis of the verb it stands for (`image list` → `image ls`), as Docker does.
      const canonical = path.join(" ").replace(/ (list|ps)$/, " ls").replace(/ remove$/, " rm");
      const usage = [`Usage:  minibox ${path.join(" ")}`, `Usage:  minibox ${canonical}`].some((u) => r.stdout.startsWith(u));
      expect({ path, usage }).toEqual({ path, usage: true });
      expect({ path, ansi: ANSI.test(r.stdout) }).toEqual({ path, ansi: false });
    }
  }, 120_000);

  test("the whole CLI: --help, help, and no arguments list the commands", async () => {
    for (const args of [["--help"], ["help"], []]) {
      const r = await sb.run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toStartWith("Usage:  minibox [OPTIONS] COMMAND\n");
      expect(r.stdout).toMatch(/^Management Commands:\n {2}builder /m);
      expect(r.stdout).toMatch(/^ {2}run {2,}Run a command in a new container$/m);
      expect(r.stdout).toMatch(/^ {2}completion {2,}/m);
    }
  }, T);

  test("a management command alone, or with --help, lists its verbs", async () => {
    for (const args of [["system"], ["system", "--help"], ["image", "-h"]]) {
      const r = await sb.run(args);
      expect({ args, code: r.code, ansi: ANSI.test(r.stdout) }).toEqual({ args, code: 0, ansi: false });
      expect(r.stdout).toMatch(/^Usage: {2}minibox (system|image) COMMAND\n/);
      expect(r.stdout).toContain("\nCommands:\n");
    }
  }, T);

  test("--help later among a command's flags, but not in a container's command line", async () => {
    expect((await sb.run(["ps", "-a", "--help"])).stdout).toStartWith("Usage:  minibox ps [OPTIONS]\n");
    const r = await sb.run(["run", "--pull", "never", "nosuch-image", "ls", "--help"]);
    expect(r.code).toBe(125); // it tried to run the container: --help was the command's
  }, T);

  test("help for an unknown topic: one line, exit 1", async () => {
    const r = await sb.run(["help", "nosuch"]);
    expect({ code: r.code, stdout: r.stdout, lines: r.stderr.trim().split("\n").length }).toEqual({ code: 1, stdout: "", lines: 1 });
  }, T);
});

describe("completion", () => {
  test("bash: the script loads and registers the completion", () => {
    const r = Bun.spawnSync(["bash", "-c", `source <("${BINARY}" completion bash) && complete -p minibox`], { env: sb.env });
    expect({ code: r.exitCode, stderr: r.stderr.toString() }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout.toString().trim()).toBe("complete -F _minibox minibox");
  });

  const complete = (line: string) => {
    const words = line.split(" ");
    const script = `source <("${BINARY}" completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _minibox; printf '%s\\n' "\${COMPREPLY[@]}"`;
    // The script asks `minibox` on the PATH for names, as an installed one would.
    const r = Bun.spawnSync(["bash", "-c", script], { env: { ...sb.env, PATH: `${REPO}:${process.env.PATH}` }, cwd: sb.root });
    expect(r.stderr.toString()).toBe("");
    return r.stdout.toString().trim().split("\n").filter(Boolean).sort();
  };

  test("bash: container, image and volume names come from the store", async () => {
    const archive = join(sb.root, "..", "busybox.tar");
    writeDockerArchive(archive);
    expect((await sb.run(["load", "-i", archive])).code).toBe(0);
    expect((await sb.run(["create", "--name", "comp-box", "busybox", "true"])).code).toBe(0);
    expect((await sb.run(["volume", "create", "comp-vol"])).code).toBe(0);
    expect(complete("minibox stop comp-")).toEqual(["comp-box"]);
    expect(complete("minibox stop comp-box comp-")).toEqual(["comp-box"]); // CONTAINER [CONTAINER...]
    expect(complete("minibox container rm -f comp")).toEqual(["comp-box"]);
    expect(complete("minibox run --rm busy")).toEqual(["busybox:latest"]);
    expect(complete("minibox run busybox comp")).toEqual([]); // the container's command: files, none here
    expect(complete("minibox volume rm comp")).toEqual(["comp-vol"]);
    expect(complete("minibox volume create comp")).toEqual([]); // a new name
  }, T);

  test("bash: commands, verbs and flags complete", () => {
    expect(complete("minibox ru")).toEqual(["run"]);
    expect(complete("minibox image l")).toEqual(["list", "load", "ls"]);
    expect(complete("minibox run --det")).toEqual(["--detach", "--detach-keys"]);
    expect(complete("minibox run --name x --rm --pull")).toEqual(["--pull"]);
    expect(complete("minibox network create --sub")).toEqual(["--subnet"]);
  });

  test("a flag added to a command's definition appears in every shell's script", async () => {
    const { completionScript, SHELLS } = await import("../../src/cli/completion-scripts.ts");
    const tree = await loadCommandTree();
    const ps = tree.find((n) => n.name === "ps")!;
    const grown = tree.map((n) => (n === ps ? { ...n, args: { ...n.args, "brand-new-flag": { type: "boolean" as const, description: "Added in a test" } } } : n));
    for (const shell of SHELLS) {
      expect({ shell, before: completionScript(shell, tree, "minibox").includes("brand-new-flag") }).toEqual({ shell, before: false });
      expect({ shell, after: completionScript(shell, grown, "minibox").includes("brand-new-flag") }).toEqual({ shell, after: true });
    }
  });

  test("zsh and fish scripts are printed; a bad shell is one line, exit 1", async () => {
    expect((await sb.run(["completion", "zsh"])).stdout).toStartWith("#compdef minibox\n");
    const fish = await sb.run(["completion", "fish"]);
    expect(fish.stdout).toContain("complete -c minibox -n '__fish_use_subcommand' -a run ");
    const bad = await sb.run(["completion", "tcsh"]);
    expect({ code: bad.code, stdout: bad.stdout, lines: bad.stderr.trim().split("\n").length }).toEqual({ code: 1, stdout: "", lines: 1 });
  }, T);

  test("fish accepts its script (when fish is installed)", () => {
    const fish = Bun.which("fish");
    if (!fish) {
      console.warn("skipped: fish is not installed");
      return;
    }
    const r = Bun.spawnSync([fish, "-c", `"${BINARY}" completion fish | source; complete -C 'minibox ru'`], { env: sb.env });
    expect(r.stdout.toString()).toContain("run");
  });
});

describe("invoked as docker (a symlink named docker)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "minibox-e2e-docker-"));
    symlinkSync(BINARY, join(dir, "docker"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const docker = (args: string[]) => {
    const r = Bun.spawnSync([join(dir, "docker"), ...args], { env: sb.env, stdin: "ignore" });
    return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };

  test("the CLI, not the OCI runtime: ps, images, version, exit codes", () => {
    expect(docker(["ps", "-a"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^CONTAINER ID/) });
    expect(docker(["images"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^REPOSITORY +TAG/) });
    expect(docker(["version", "--format", "{{.Client.Version}}"]).code).toBe(0);
    expect(docker(["rmi", "nosuch"]).code).toBe(1);
    expect(docker(["ps", "--bogus"]).code).toBe(125);
    // runc's `list` is not a docker command, and --debug is Docker's global flag: no runtime mode under this name.
    expect(docker(["list"]).code).toBe(1);
    expect(docker(["--debug", "ps", "-a"])).toMatchObject({ code: 0, stderr: "", stdout: expect.stringMatching(/^CONTAINER ID/) });
    expect(docker(["--log-level", "debug", "images"])).toMatchObject({ code: 0, stderr: "", stdout: expect.stringMatching(/^REPOSITORY/) });
  });

  test("help and completion speak of docker", () => {
    expect(docker(["run", "--help"]).stdout).toStartWith("Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n");
    const r = Bun.spawnSync(["bash", "-c", `source <("${join(dir, "docker")}" completion bash) && complete -p docker`], { env: sb.env });
    expect(r.stdout.toString().trim()).toBe("complete -F _docker docker");
  });
});
