// Waits for the init to exec the command, or to say why it could not.
import type { Subprocess } from "bun";
import { closeFd } from "../sys/fs.ts";
import type { InitFailure } from "./protocol.ts";
import { EXIT, UserError } from "../errors.ts";

export class InitStartError extends UserError {}

export async function waitForExec(errorFd: number, proc: Subprocess): Promise<void> {
  let text: string;
  try {
    text = await Bun.file(errorFd).text();
  } finally {
    closeFd(errorFd);
  }
  if (text === "") return;
  await proc.exited;
  let failure: InitFailure;
  try {
    failure = JSON.parse(text) as InitFailure;
  } catch {
    failure = { exitCode: EXIT.ENGINE, message: text.trim() };
  }
  throw new InitStartError(`failed to start container: ${failure.message}`, failure.exitCode);
}
