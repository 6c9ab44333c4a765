// `.dockerignore` with Docker's rules (moby/patternmatcher): one pattern a line, `#` comments, `!`
// exceptions, patterns cleaned like Go's filepath.Clean, `*` `?` `[...]` `\` as in filepath.Match
// plus `**` for any number of directories; the last matching pattern wins, and a pattern that matches a
// parent directory matches everything below it.

export interface IgnorePattern { pattern: string; exclusion: boolean; regex: RegExp }

/** Go's path.Clean for slash paths. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  return rooted ? `/${joined}` : joined || ".";
}

const REGEX_SPECIAL = /[.+(){}|^$]/;

function compile(pattern: string): RegExp {
  let re = "^";
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") {
      if (chars[i + 1] === "*") {
        i++;
        if (chars[i + 1] === "/") i++;
        re += i + 1 >= chars.length ? ".*" : "(.*/)?";
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "\\") {
      re += i + 1 < chars.length ? `\\${chars[++i]}` : "\\\\";
    } else if (c === "[") {
      // A filepath.Match class: `[^...]` negates; the rest is a regex class as is.
      const end = chars.indexOf("]", i + 2);
      if (end < 0) { re += "\\["; continue; }
      let body = chars.slice(i + 1, end).join("");
      const negate = body.startsWith("^");
      if (negate) body = body.slice(1);
      re += `[${negate ? "^" : ""}${body.replace(/\\(?!.)|[[\]]/g, "\\$&")}]`;
      i = end;
    } else if (REGEX_SPECIAL.test(c) || c === "]") {
      re += `\\${c}`;
    } else {
      re += c;
    }
  }
  try {
    return new RegExp(`${re}$`, "su");
  } catch {
    // An unbalanced class Go would reject matches nothing rather than breaking the build.
    return /(?!)/;
  }
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (const raw of text.split("\n")) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const exclusion = line.startsWith("!");
    if (exclusion) line = line.slice(1).trim();
    let pattern = cleanPath(line);
    if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    patterns.push({ pattern, exclusion, regex: compile(pattern) });
  }
  return patterns;
}

/** Whether `relPath` (slash-separated, relative to the context root) is excluded from the context. */
export function isIgnored(patterns: readonly IgnorePattern[], relPath: string): boolean {
  const file = cleanPath(relPath);
  const parts = file.split("/");
  let matched = false;
  for (const p of patterns) {
    if (p.exclusion !== matched) continue; // an exception can only undo a match, a pattern only make one
    let match = p.regex.test(file);
    for (let i = 1; !match && i < parts.length; i++) match = p.regex.test(parts.slice(0, i).join("/"));
    if (match) matched = !p.exclusion;
  }
  return matched;
}

/**
 * Whether a directory must still be walked although it is ignored: an exception pattern may bring
 * back something below it (Docker walks into it in that case too).
 */
export function mayContainExceptions(patterns: readonly IgnorePattern[], dir: string): boolean {
  const d = cleanPath(dir);
  return patterns.some((p) => p.exclusion && (p.pattern.startsWith(`${d}/`) || p.pattern.includes("*") || p.pattern.includes("?") || p.pattern.includes("[")));
}
