// WWW-Authenticate (RFC 7235): a scheme followed by comma-separated auth-params whose values may be
// quoted strings with backslash escapes. Registries send one challenge, Bearer or Basic.
export interface Challenge {
  scheme: string; // lower case: "bearer", "basic"
  params: Record<string, string>; // keys lower case
}

/** Parses every challenge in the header; unparseable parts are skipped rather than fatal. */
export function parseWwwAuthenticate(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => { while (i < s.length && (s[i] === " " || s[i] === "\t")) i++; };
  const token = () => {
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(s.slice(i));
    if (!m) return "";
    i += m[0].length;
    return m[0];
  };
  while (i < s.length) {
    skipWs();
    while (s[i] === ",") { i++; skipWs(); }
    const scheme = token();
    if (!scheme) { i++; continue; }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      skipWs();
      const save = i;
      const key = token();
      skipWs();
      if (!key || s[i] !== "=") { i = save; break; }
      i++;
      skipWs();
      let value = "";
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        // Strictly a token; registries are known to send unquoted URLs, so read up to the next separator.
        const m = /^[^,\s]*/.exec(s.slice(i))!;
        value = m[0];
        i += value.length;
      }
      challenge.params[key.toLowerCase()] = value;
      skipWs();
      if (s[i] === ",") { i++; continue; }
      break;
    }
  }
  return out;
}
