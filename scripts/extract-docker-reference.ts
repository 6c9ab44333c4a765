// One-off: Docker 20.10's commands and flags, read from the usage blocks of docker/cli's reference docs
// (docs/reference/commandline/*.md at a v20.10 tag), written to src/cli/docker-reference.json, which is
// checked in. Run against a clone of docker/cli:
//   bun run scripts/extract-docker-reference.ts /path/to/docker-cli.git v20.10.24
import { writeFileSync } from "node:fs";
import { join } from "node:path";

interface DockerFlag { name: string; short?: string; type?: string; description: string }
interface DockerCommand { usage: string; description: string; flags: DockerFlag[]; subcommands?: string[]; sameAs?: string }

const [gitDir, tag = "v20.10.24"] = process.argv.slice(2);
if (!gitDir) throw new Error("usage: extract-docker-reference.ts GIT_DIR [TAG]");
const git = (...args: string[]) => {
  const r = Bun.spawnSync(["git", "--git-dir", gitDir, ...args]);
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
};

const NOT_COMMANDS = new Set(["cli", "index", "dockerd"]);
const commands: Record<string, DockerCommand> = {};
for (const path of git("ls-tree", "--name-only", tag, "docs/reference/commandline/").split("\n").filter((p) => p.endsWith(".md"))) {
  const base = path.split("/").pop()!.replace(/\.md$/, "");
  if (NOT_COMMANDS.has(base)) continue;
  const text = git("show", `${tag}:${path}`);
  const block = text.match(/```markdown\n([\s\S]*?)```/)?.[1];
  if (!block) continue;
  const lines = block.split("\n");
  const usageAt = lines.findIndex((l) => l.startsWith("Usage:"));
  if (usageAt < 0) continue;
  const usage = lines[usageAt]!.replace(/^Usage:\s+docker\s+/, "").trim();
  const description = lines.slice(usageAt + 1).find((l) => l.trim() !== "")?.trim() ?? "";
  const flags: DockerFlag[] = [];
  const optionsAt = lines.findIndex((l) => /^Options:/.test(l));
  for (const line of optionsAt < 0 ? [] : lines.slice(optionsAt + 1)) {
    const m = line.match(/^\s+(?:-([\w]), )?--([\w-]+)(?:=\S*)?(?: ([\w.]+))?\s{2,}(.*)$/) ?? line.match(/^\s+(?:-([\w]), )?--([\w-]+)(?:=\S*)?(?: ([\w.]+))?$/);
    if (!m) continue;
    if (m[2] === "help") continue;
    flags.push({ name: m[2]!, ...(m[1] ? { short: m[1] } : {}), ...(m[3] ? { type: m[3] } : {}), description: (m[4] ?? "").trim() });
  }
  const commandsAt = lines.findIndex((l) => /^Commands:/.test(l));
  const subcommands = commandsAt < 0 ? [] : lines.slice(commandsAt + 1).map((l) => l.match(/^\s{2}([a-z][\w-]*)\s{2,}/)?.[1]).filter((s): s is string => !!s);
  commands[base.replace(/_/g, " ")] = { usage, description, flags, ...(subcommands.length ? { subcommands } : {}) };
}
// A management command's verb without a page of its own is the top-level command of that name
// (`container ls` is `ps`, `image rm` is `rmi`), as docker/cli's command tree defines it.
const SAME_AS: Record<string, string> = { "container ls": "ps", "container rm": "rm", "image ls": "images", "image rm": "rmi" };
for (const [name, cmd] of Object.entries(commands)) {
  for (const verb of cmd.subcommands ?? []) {
    const path = `${name} ${verb}`;
    if (commands[path]) continue;
    const same = SAME_AS[path] ?? (commands[verb] ? verb : undefined);
    if (!same) continue;
    commands[path] = { ...commands[same]!, usage: commands[same]!.usage.replace(new RegExp(`^${same}\\b`), path), sameAs: same };
  }
}
const out = join(import.meta.dir, "../src/cli/docker-reference.json");
writeFileSync(out, `${JSON.stringify({ source: `docker/cli ${tag} docs/reference/commandline`, commands }, null, 1)}\n`);
console.log(`${Object.keys(commands).length} commands, ${Object.values(commands).reduce((n, c) => n + c.flags.length, 0)} flags → ${out}`);
