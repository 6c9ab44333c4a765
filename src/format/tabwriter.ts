// Go's text/tabwriter as docker/cli configures it (minwidth 10, padding 3, spaces): tab-terminated cells
// are aligned in column blocks of consecutive lines; the text after a line's last tab is not aligned.
export interface TabOptions { minWidth: number; padding: number }

export const DOCKER_TABS: TabOptions = { minWidth: 10, padding: 3 };

const width = (s: string) => [...s].length;

export function tabwrite(text: string, opts: TabOptions = DOCKER_TABS): string {
  const endsWithNewline = text.endsWith("\n");
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split("\n").map((l) => l.split("\t"));
  const widths: number[] = [];
  const out: string[] = [];
  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      out.push(cells.map((c, j) => (j < cells.length - 1 && j < widths.length ? c + " ".repeat(Math.max(0, widths[j]! - width(c))) : c)).join(""));
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      writeLines(start, i);
      start = i;
      let w = opts.minWidth;
      for (; i < line1 && column < lines[i]!.length - 1; i++) w = Math.max(w, width(lines[i]![column]!) + opts.padding);
      widths.push(w);
      format(start, i);
      widths.pop();
      start = i;
      i--;
    }
    writeLines(start, line1);
  };
  format(0, lines.length);
  return out.join("\n") + (endsWithNewline ? "\n" : "");
}
