// runtime area: a new anonymous session keyring for the container, as runc gives each container unless
// --no-new-keyring: otherwise it would share the caller's session keyring (and its keys).
import { libc } from "./libc.ts";
import { check } from "./call.ts";

const SYS_KEYCTL = process.arch === "arm64" ? 219 : 250;
const KEYCTL_JOIN_SESSION_KEYRING = 1;

export function joinNewSessionKeyring(): number {
  // A NULL name: a new anonymous keyring ("_ses"), joined as this process's session keyring.
  return Number(check(libc.syscall(SYS_KEYCTL, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0), "keyctl(KEYCTL_JOIN_SESSION_KEYRING)"));
}
