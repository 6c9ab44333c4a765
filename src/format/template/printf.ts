// Go's fmt.Sprintf for the verbs templates use: %v %s %d %q %t %x %X %o %b %c %f %e %g %%, with the
// flags - + 0 space #, width and precision; missing and extra arguments as fmt shows them.
import { goQuote } from "./lexer.ts";
import { goFloat, goString, goTypeName } from "./values.ts";

export function goSprintf(format: string, args: unknown[]): string {
  let out = "";
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== "%") { out += c; continue; }
    let j = i + 1;
    let flags = "";
    while ("-+# 0".includes(format[j] ?? "x")) flags += format[j++];
    let width: number | undefined;
    let prec: number | undefined;
    if (format[j] === "*") { width = Number(args[argi++]); j++; } else {
      const m = /^\d+/.exec(format.slice(j));
      if (m) { width = Number(m[0]); j += m[0].length; }
    }
    if (format[j] === ".") {
      j++;
      if (format[j] === "*") { prec = Number(args[argi++]); j++; } else {
        const m = /^\d*/.exec(format.slice(j))!;
        prec = Number(m[0] || "0");
        j += m[0].length;
      }
    }
    const verb = format[j];
    i = j;
    if (verb === undefined) { out += "%!(NOVERB)"; break; }
    if (verb === "%") { out += "%"; continue; }
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    const arg = args[argi++];
    out += pad(formatOne(verb, arg, flags, prec), width, flags);
  }
  if (argi < args.length) out += `%!(EXTRA ${args.slice(argi).map((a) => `${goTypeName(a)}=${goString(a)}`).join(", ")})`;
  return out;
}

function pad(s: string, width: number | undefined, flags: string): string {
  const len = [...s].length;
  if (width === undefined || len >= width) return s;
  if (flags.includes("-")) return s + " ".repeat(width - len);
  if (flags.includes("0") && /^[+-]?[0-9]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0]! : "";
    return sign + "0".repeat(width - len) + s.slice(sign.length);
  }
  return " ".repeat(width - len) + s;
}

function bad(verb: string, arg: unknown): string {
  return `%!${verb}(${goTypeName(arg)}=${goString(arg)})`;
}

function formatOne(verb: string, arg: unknown, flags: string, prec: number | undefined): string {
  const sign = (n: number, s: string) => (n >= 0 && flags.includes("+") ? `+${s}` : n >= 0 && flags.includes(" ") ? ` ${s}` : s);
  switch (verb) {
    case "v": return typeof arg === "string" && prec !== undefined ? [...arg].slice(0, prec).join("") : goString(arg === undefined ? null : arg);
    case "s":
      if (typeof arg === "string") return prec === undefined ? arg : [...arg].slice(0, prec).join("");
      if (Array.isArray(arg)) return goString(arg);
      return typeof arg === "number" || typeof arg === "boolean" ? bad(verb, arg) : goString(arg);
    case "q":
      if (typeof arg === "string") return flags.includes("#") && !arg.includes("`") ? `\`${arg}\`` : goQuote(arg);
      if (typeof arg === "number" && Number.isInteger(arg)) return `'${String.fromCodePoint(arg)}'`;
      return bad(verb, arg);
    case "t": return typeof arg === "boolean" ? String(arg) : bad(verb, arg);
    case "d": return typeof arg === "number" && Number.isInteger(arg) ? sign(arg, String(arg)) : bad(verb, arg);
    case "c": return typeof arg === "number" && Number.isInteger(arg) ? String.fromCodePoint(arg) : bad(verb, arg);
    case "b": case "o": case "x": case "X": {
      const radix = verb === "b" ? 2 : verb === "o" ? 8 : 16;
      if (typeof arg === "number" && Number.isInteger(arg)) {
        let s = Math.abs(arg).toString(radix);
        if (flags.includes("#")) s = (verb === "o" ? "0" : verb === "b" ? "" : "0x") + s;
        s = (arg < 0 ? "-" : "") + s;
        return sign(arg, verb === "X" ? s.toUpperCase() : s);
      }
      if (typeof arg === "string" && (verb === "x" || verb === "X")) {
        const hex = Buffer.from(arg, "utf8").toString("hex");
        return verb === "X" ? hex.toUpperCase() : hex;
      }
      return bad(verb, arg);
    }
    case "f": case "F": case "e": case "E": case "g": case "G": {
      if (typeof arg !== "number") return bad(verb, arg);
      let s: string;
      if (verb === "f" || verb === "F") s = arg.toFixed(prec ?? 6);
      else if (verb === "e" || verb === "E") s = expForm(arg.toExponential(prec ?? 6));
      else s = prec === undefined ? goFloat(arg) : gPrec(arg, prec);
      if (verb === "E" || verb === "G") s = s.toUpperCase();
      return sign(arg, s);
    }
    default: return bad(verb, arg);
  }
}

/** JS "1.5e+3" → Go "1.5e+03". */
function expForm(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function gPrec(v: number, prec: number): string {
  const p = prec === 0 ? 1 : prec;
  const exp = Number(v.toExponential(p - 1).split("e")[1]);
  if (exp < -4 || exp >= p) return expForm(v.toExponential(p - 1).replace(/\.?0+e/, "e"));
  return String(Number(v.toPrecision(p)));
}
