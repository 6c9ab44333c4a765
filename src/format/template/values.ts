// How template values look to Go: which objects are structs (an unknown field is an error) and which are
// maps (an unknown key is "<no value>"), Go's type names for errors, and fmt's %v printing.

/** The Go type name of a struct-like object; objects without it are maps. */
export const GO_TYPE = Symbol("goType");

/** Marks `fields` as a Go struct named `typeName` (e.g. "formatter.ContainerContext"). */
export function goStruct<T extends object>(typeName: string, fields: T): T {
  Object.defineProperty(fields, GO_TYPE, { value: typeName, enumerable: false });
  return fields;
}

export function structName(v: unknown): string | undefined {
  return typeof v === "object" && v !== null ? (v as { [GO_TYPE]?: string })[GO_TYPE] : undefined;
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && structName(v) === undefined;
}

export function goTypeName(v: unknown): string {
  if (v === undefined || v === null) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "function") return "func";
  if (Array.isArray(v)) return v.every((x) => typeof x === "string") && v.length > 0 ? "[]string" : "[]interface {}";
  return structName(v) ?? "map[string]interface {}";
}

/** fmt's %v. A missing value (undefined) is "<no value>", as text/template prints it. */
export function goString(v: unknown): string {
  if (v === undefined) return "<no value>";
  if (v === null) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number") return goNumber(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "function") return "<func>";
  if (Array.isArray(v)) return `[${v.map(nested).join(" ")}]`;
  if (structName(v) !== undefined) return `{${Object.values(v).filter((x) => typeof x !== "function").map(nested).join(" ")}}`;
  const m = v as Record<string, unknown>;
  // fmt prints maps with their keys sorted.
  return `map[${Object.keys(m).sort().map((k) => `${k}:${nested(m[k])}`).join(" ")}]`;
}

const nested = (v: unknown) => (v === undefined ? "<nil>" : goString(v));

/** Integers as Go ints (JSON cannot tell 3 from 3.0; the engine treats whole numbers as ints); others as a float64. */
export function goNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  return goFloat(v);
}

/** strconv.FormatFloat(v, 'g', -1, 64): shortest digits, exponent when exp < -4 || exp >= 6 (fmt %v). */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mantissa, expText] = v.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(v);
}

/** text/template's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "function") return true;
  if (Array.isArray(v)) return v.length > 0;
  if (structName(v) !== undefined) return true;
  return Object.keys(v as object).length > 0;
}
