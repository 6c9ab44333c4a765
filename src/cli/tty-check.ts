// docker/cli's CheckTty (cli/streams/in.go): attaching a container's terminal to an stdin that is not a
// terminal cannot work, so `run -it` / `exec -it` refuse before anything is created. A plain error: exit 1.
import { UserError } from "../errors.ts";

export async function assertTerminalInput(interactive: boolean, tty: boolean): Promise<void> {
  if (!interactive || !tty) return;
  const { isatty } = await import("../sys/tty.ts");
  if (!isatty(0)) throw new UserError("the input device is not a TTY", 1);
}
