// compat-run: what a Docker user sees of -u (supplementary groups, the primary group included as moby does),
// /etc/hosts naming the container's hostname, and "Restarting (N) … ago" while a restart policy backs off.
import { describe, expect, test } from "bun:test";
import { poll } from "./lifecycle-helpers.ts";
import { lines, T, useRunSandbox } from "./run-helpers.ts";

const ctx = useRunSandbox("minibox-e2e-runcompat-");

async function mb(args: string[]): Promise<string> {
  const r = await ctx.sb.run(args);
  if (r.code !== 0) throw new Error(`minibox ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}
/** The kernel's list of supplementary groups (/proc/self/status), as a sorted list. */
function groupsOf(status: string): number[] {
  const line = status.split("\n").find((l) => l.startsWith("Groups:"))!;
  return line.slice(7).trim().split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b);
}
const STATUS = ["busybox", "cat", "/proc/self/status"];

describe("-u and supplementary groups (moby's getUser: the primary group, then membership, then --group-add)", () => {
  test("root, a named user, an explicit group", async () => {
    expect(groupsOf(await ctx.ok(["--rm", ...STATUS]))).toEqual([0]);
    expect(groupsOf(await ctx.ok(["--rm", "-u", "app", ...STATUS]))).toEqual([50, 1000]);
    expect(groupsOf(await ctx.ok(["--rm", "-u", "1000:50", ...STATUS]))).toEqual([50]);
    expect(await ctx.ok(["--rm", "busybox", "id"])).toContain("groups=0(root)");
  }, T);

  test("exec -u gets the same groups", async () => {
    const id = (await mb(["run", "-d", "busybox", "sleep", "1000"])).trim();
    try {
      expect(groupsOf(await mb(["exec", "-u", "app", id, "cat", "/proc/self/status"]))).toEqual([50, 1000]);
      expect(groupsOf(await mb(["exec", id, "cat", "/proc/self/status"]))).toEqual([0]);
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);
});

test("/etc/hosts maps the container's hostname (default and -h)", async () => {
  const out = lines(await ctx.ok(["--rm", "busybox", "sh", "-c", "hostname; cat /etc/hosts"]));
  expect(out.slice(1).some((l) => l.split(/\s+/).slice(1).includes(out[0]!))).toBe(true);
  expect(lines(await ctx.ok(["--rm", "-h", "web1", "busybox", "cat", "/etc/hosts"])).some((l) => /\sweb1(\s|$)/.test(l))).toBe(true);
}, T);

describe("--restart backoff", () => {
  test("ps shows Restarting (N) … ago and inspect State.Restarting while the monitor waits to restart", async () => {
    const id = (await mb(["run", "-d", "--restart", "always", "busybox", "sh", "-c", "exit 3"])).trim();
    try {
      const status = await poll("Restarting in ps", async () => {
        const s = (await mb(["ps", "-a", "--no-trunc", "--filter", `id=${id}`, "--format", "{{.Status}}"])).trim();
        return s.startsWith("Restarting") ? s : undefined;
      }, 20_000);
      expect(status).toMatch(/^Restarting \(3\) .+ ago$/);
      await poll("status=restarting and .State", async () =>
        (await mb(["ps", "-a", "--no-trunc", "--filter", "status=restarting", "--format", "{{.ID}} {{.State}}"])).trim() === `${id} restarting`, 20_000);
      await poll("inspect says restarting", async () => {
        const [one] = JSON.parse(await mb(["inspect", id])) as { State: { Status: string; Restarting: boolean; ExitCode: number } }[];
        return one!.State.Restarting && one!.State.Status === "restarting" && one!.State.ExitCode === 3;
      }, 20_000);
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);

  test("a container that will not be restarted is Exited, not Restarting", async () => {
    const id = (await mb(["run", "-d", "--restart", "on-failure:1", "busybox", "sh", "-c", "exit 4"])).trim();
    try {
      await poll("the retry to be used up", async () => {
        const [one] = JSON.parse(await mb(["inspect", id])) as { RestartCount: number; State: { Status: string } }[];
        return one!.RestartCount === 1 && one!.State.Status === "exited";
      }, 20_000);
      await poll("the monitor to be done with it", async () => (await mb(["ps", "-a", "--filter", `id=${id}`, "--format", "{{.Status}}"])).startsWith("Exited (4)"), 20_000);
    } finally {
      await ctx.sb.run(["rm", "-f", id]);
    }
  }, T);
});
