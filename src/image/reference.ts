// Docker image references (the grammar of distribution/reference): parsing, normalising to the fully
// qualified form used as the store's key, and the "familiar" short form Docker shows to people.
import { UserError } from "../errors.ts";

export const DEFAULT_DOMAIN = "docker.io";
export const DEFAULT_TAG = "latest";
const LEGACY_DOMAIN = "index.docker.io";
const OFFICIAL_NAMESPACE = "library";

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const FULL_ID = /^(?:sha256:)?[0-9a-f]{64}$/;
const MAX_NAME = 255;

export class InvalidReferenceError extends UserError {
  constructor(readonly reference: string, why: string) {
    super(`invalid reference format: ${why}: '${reference}'`);
    this.name = "InvalidReferenceError";
  }
}

/** A parsed, normalised reference: `domain/path[:tag][@digest]`. */
export interface Reference {
  domain: string;
  path: string; // "library/busybox"
  tag?: string;
  digest?: string;
}

function splitDomain(name: string): { domain: string; path: string } {
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  // Like Docker: the first component is a registry host only if it looks like one, else it is Docker Hub.
  const isHost = slash !== -1 && (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase());
  let domain = isHost ? first : DEFAULT_DOMAIN;
  let path = isHost ? name.slice(slash + 1) : name;
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `${OFFICIAL_NAMESPACE}/${path}`;
  return { domain, path };
}

/**
 * Parses and normalises: `busybox` → docker.io/library/busybox:latest. A reference without tag or digest
 * gets `latest` unless `defaultTag` is false.
 */
export function parseReference(input: string, { defaultTag = true } = {}): Reference {
  if (input === "") throw new InvalidReferenceError(input, "repository name must have at least one component");
  if (FULL_ID.test(input)) throw new InvalidReferenceError(input, "repository name cannot be a 64-byte hexadecimal string");
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReferenceError(input, "invalid digest");
    if (digest.startsWith("sha256:") && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new InvalidReferenceError(input, "invalid sha256 digest");
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(input, `invalid tag "${tag}"`);
  }
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw new InvalidReferenceError(input, `invalid registry host "${domain}"`);
  const components = path.split("/");
  for (const c of components) {
    if (c !== c.toLowerCase() && COMPONENT.test(c.toLowerCase())) {
      throw new InvalidReferenceError(input, "repository name must be lowercase");
    }
    if (!COMPONENT.test(c)) throw new InvalidReferenceError(input, "invalid repository name");
  }
  if (domain.length + 1 + path.length > MAX_NAME) {
    throw new InvalidReferenceError(input, `repository name must not be longer than ${MAX_NAME} characters`);
  }
  if (tag === undefined && digest === undefined && defaultTag) tag = DEFAULT_TAG;
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** `docker.io/library/busybox` */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The fully qualified form: `docker.io/library/busybox:latest`. */
export function referenceString(ref: Reference): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** The repository as Docker shows it: `busybox`, `user/app`, `localhost:5000/x`. */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  const prefix = `${OFFICIAL_NAMESPACE}/`;
  return ref.path.startsWith(prefix) && ref.path.indexOf("/", prefix.length) === -1 ? ref.path.slice(prefix.length) : ref.path;
}

/** `busybox:latest`, `localhost:5000/x:y`, `busybox@sha256:…` */
export function familiarString(ref: Reference): string {
  return `${familiarName(ref)}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** Normalises any input to its fully qualified string; throws InvalidReferenceError. */
export function normalizeReference(input: string): string {
  return referenceString(parseReference(input));
}

/** True for a full image id with or without the `sha256:` prefix. */
export function isFullImageId(s: string): boolean {
  return FULL_ID.test(s);
}
