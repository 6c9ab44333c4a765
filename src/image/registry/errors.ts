// Errors of the registry client, each carrying what a user needs to act on it: the registry, the
// reference or repository, the digest and the HTTP status.
import { UserError } from "../../errors.ts";

export interface RegistryContext {
  registry: string;
  repository?: string;
  digest?: string;
  status?: number;
}

function where(c: RegistryContext): string {
  const parts = [c.repository ? `${c.registry}/${c.repository}` : c.registry];
  if (c.digest) parts.push(c.digest);
  return parts.join(" ");
}

export class RegistryError extends UserError {
  constructor(readonly context: RegistryContext, message: string) {
    super(`${where(context)}: ${message}${context.status !== undefined ? ` (HTTP ${context.status})` : ""}`);
    this.name = "RegistryError";
  }
}

/** 401/403 after authenticating (or without credentials where the registry wants them). */
export class RegistryAuthError extends RegistryError {
  constructor(context: RegistryContext, message: string) {
    super(context, message);
    this.name = "RegistryAuthError";
  }
}

/** 404 for a manifest: the tag or digest does not exist. */
export class ManifestUnknownError extends RegistryError {
  constructor(context: RegistryContext, readonly reference: string) {
    super(context, `manifest for ${reference} not found: manifest unknown`);
    this.name = "ManifestUnknownError";
  }
}

/** Could not reach the registry at all (after retries). */
export class RegistryUnreachableError extends RegistryError {
  constructor(context: RegistryContext, cause: string) {
    super(context, `cannot reach registry: ${cause}`);
    this.name = "RegistryUnreachableError";
  }
}

/** Content whose size or digest is not what its descriptor says. */
export class BlobVerificationError extends RegistryError {
  constructor(context: RegistryContext, why: string) {
    super(context, `blob verification failed: ${why}`);
    this.name = "BlobVerificationError";
  }
}

export class NoMatchingPlatformError extends UserError {
  constructor(readonly reference: string, readonly platform: string, available: string[]) {
    super(`no matching manifest for ${platform} in the manifest list entries of ${reference}` +
      (available.length ? ` (available: ${available.join(", ")})` : ""));
    this.name = "NoMatchingPlatformError";
  }
}

export class InvalidPlatformError extends UserError {
  constructor(readonly platform: string) {
    super(`invalid platform "${platform}": expected os/arch[/variant]`);
    this.name = "InvalidPlatformError";
  }
}
