// Volume names as Docker's local driver accepts them, and the names of anonymous volumes.
import { UserError } from "../errors.ts";

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ANONYMOUS = /^[0-9a-f]{64}$/;

export function isValidVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name);
}

export function validateVolumeName(name: string): string {
  if (!isValidVolumeName(name)) {
    throw new UserError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
  return name;
}

/** 64 random hex digits, like Docker's anonymous volumes. */
export function newAnonymousName(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}

export function looksAnonymous(name: string): boolean {
  return ANONYMOUS.test(name);
}
