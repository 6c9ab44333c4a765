// One health probe: `minibox exec CONTAINER COMMAND` in a short-lived child process (the exec path joins
// the container's namespaces on its main thread, which only a process about to exit may do: see
// container/exec.ts), its stdout and stderr collected together as Docker does (the first 4096 bytes), and a
// timeout that ends it: SIGTERM, which the exec CLI forwards to the command, then SIGKILL.
import { selfCommand } from "../runtime/spawn.ts";
import { goDurationString } from "./config.ts";
import type { HealthLogEntry } from "./state.ts";

/** moby's maxOutputLen. */
const MAX_OUTPUT = 4096;
/** After the timeout's SIGTERM, how long the exec CLI gets before SIGKILL. */
const KILL_GRACE_MS = 1_000;

export interface RunningProbe { result: Promise<HealthLogEntry>; cancel(): void }

export function runProbe(containerId: string, command: string[], timeoutNs: number): RunningProbe {
  const start = new Date();
  const proc = Bun.spawn(selfCommand("exec", containerId, ...command), {
    stdin: "ignore", stdout: "pipe", stderr: "pipe", cwd: "/",
  });
  let timedOut = false;
  let killer: Timer | undefined;
  const end = () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    killer = setTimeout(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL"); }, KILL_GRACE_MS);
  };
  const timer = setTimeout(() => { timedOut = true; end(); }, Math.max(1, Math.round(timeoutNs / 1e6)));
  const output = new BoundedOutput(MAX_OUTPUT);
  const result = (async (): Promise<HealthLogEntry> => {
    try {
      await Promise.all([output.collect(proc.stdout), output.collect(proc.stderr), proc.exited]);
    } finally {
      clearTimeout(timer);
      clearTimeout(killer);
    }
    const End = new Date().toISOString();
    if (timedOut) return { Start: start.toISOString(), End, ExitCode: -1, Output: `Health check exceeded timeout (${goDurationString(timeoutNs)})` };
    return { Start: start.toISOString(), End, ExitCode: proc.exitCode ?? -1, Output: output.text() };
  })();
  return { result, cancel: end };
}

/** The first `max` bytes of both streams, in the order they arrived; the rest is read and dropped. */
class BoundedOutput {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly max: number) {}

  async collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream) {
      const room = this.max - this.size;
      if (room <= 0) continue;
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(kept);
      this.size += kept.length;
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}
