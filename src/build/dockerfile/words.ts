// Word splitting before expansion, as BuildKit's parser does it: quote-aware for ENV/LABEL/ARG (quotes
// and escapes stay in the words, the expansion removes them later), JSON arrays for exec form.
import type { Command } from "./ast.ts";

const isSpace = (c: string) => /^\s$/.test(c);

/** Splits on unquoted whitespace, keeping quotes and escape characters in the words. */
export function quoteAwareWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let blankOk = false;
  let quote = "";
  const chars = Array.from(rest);
  for (let i = 0; i < chars.length; i++) {
    let c = chars[i]!;
    if (quote === "") {
      if (isSpace(c)) {
        if (inWord && (blankOk || word.length)) words.push(word);
        word = ""; inWord = false; blankOk = false;
        continue;
      }
      inWord = true;
      if (c === "'" || c === '"') { quote = c; blankOk = true; }
      else if (c === escape) {
        if (i + 1 === chars.length) continue; // an escape at the end is dropped
        word += c;
        c = chars[++i]!;
      }
      word += c;
    } else {
      if (c === quote) quote = "";
      else if (c === escape && quote !== "'") {
        if (i + 1 === chars.length) continue;
        word += c;
        c = chars[++i]!;
      }
      word += c;
    }
  }
  if (inWord && (blankOk || word.length)) words.push(word);
  return words;
}

/** A JSON array of strings, or null when `rest` is not one (then it is shell form). */
export function jsonStrings(rest: string): string[] | null {
  const t = rest.trim();
  if (!t.startsWith("[")) return null;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return null;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) return null;
  return value as string[];
}

export function commandOf(rest: string): Command {
  const json = jsonStrings(rest);
  return json ? { form: "exec", args: json } : { form: "shell", text: rest.trim() };
}

export function whitespaceWords(rest: string): string[] {
  return rest.split(/[ \t\r\n\f\v]+/).filter(Boolean);
}
