// Docker's human formats for images, ps and stats: "4.26MB" (decimal, 3 significant digits), "2 hours ago".
const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

export function humanSize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))}${UNITS[i]}`;
}

export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const m = s / 60, h = m / 60, d = h / 24;
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  if (Math.round(m) === 1) return "About a minute";
  if (m < 60) return `${Math.round(m)} minutes`;
  if (Math.round(h) === 1) return "About an hour";
  if (h < 48) return `${Math.round(h)} hours`;
  if (d < 14) return `${Math.floor(d)} days`;
  if (d < 60) return `${Math.floor(d / 7)} weeks`;
  if (d < 365 * 2) return `${Math.floor(d / 30)} months`;
  return `${Math.floor(d / 365)} years`;
}

export function createdAgo(created: string | undefined, now = Date.now()): string {
  const t = created ? Date.parse(created) : NaN;
  return Number.isNaN(t) ? "N/A" : `${humanDuration((now - t) / 1000)} ago`;
}

/** Columns padded like Go's tabwriter with a padding of 3. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join("").trimEnd());
}
