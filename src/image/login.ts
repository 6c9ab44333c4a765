// login/logout: check credentials against the registry (its Basic or Bearer flow), then store or
// forget them in Docker's config file.
import { UserError } from "../errors.ts";
import { RegistryClient } from "./registry/client.ts";
import { registryKey, removeCredentials, storeCredentials, type Credentials } from "./registry/credentials.ts";
import { DEFAULT_DOMAIN } from "./reference.ts";

export function registryArgument(input: string | undefined): string {
  const key = registryKey(input ?? DEFAULT_DOMAIN);
  if (!key || /[\s/@]/.test(key)) throw new UserError(`invalid registry "${input}"`);
  return key;
}

export async function login(registry: string, creds: Credentials): Promise<void> {
  if (!creds.username) throw new UserError("login: a username is required (-u)");
  if (!creds.password) throw new UserError("login: a password is required (-p or --password-stdin)");
  await new RegistryClient(registry, undefined, { credentials: creds }).verifyLogin();
  storeCredentials(registry, creds);
}

export function logout(registry: string): boolean {
  return removeCredentials(registry);
}
