// The build's progress renderers, fed events with a fake clock: plain lines as `docker build --progress
// plain` prints them, and the terminal display checked through a small terminal model (\r, \n, cursor
// up, clear to end of screen) so that what a user would see is asserted, not the escape bytes.
import { describe, expect, test } from "bun:test";
import { plainProgress } from "../../src/build/progress/plain.ts";
import { ttyProgress } from "../../src/build/progress/tty.ts";

/** Applies what the renderer wrote to a screen of lines; returns the lines. */
function screen(text: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\x1b") {
      const m = /^\x1b\[(\d*)([A-Za-z])/.exec(text.slice(i))!;
      expect(m).not.toBeNull();
      if (m[2] === "A") row = Math.max(0, row - Number(m[1] || 1));
      else if (m[2] === "J") { lines.length = row + 1; lines[row] = lines[row]!.slice(0, col); }
      else throw new Error(`unexpected escape ${m[0]}`);
      i += m[0].length - 1;
    } else if (c === "\r") col = 0;
    else if (c === "\n") { row++; col = 0; if (lines.length <= row) lines.push(""); }
    else {
      const l = lines[row]!;
      lines[row] = l.slice(0, col).padEnd(col) + c + l.slice(col + 1);
      col++;
    }
  }
  return lines.slice(0, lines[lines.length - 1] === "" ? -1 : undefined).map((l) => l.trimEnd());
}

function tty(columns = 60, rows = 30) {
  let out = "";
  let clock = 100;
  let ticks = 0;
  const p = ttyProgress({
    write: (t) => { out += t; }, now: () => clock, columns: () => columns, rows: () => rows,
    every: () => { ticks++; return () => { ticks--; }; },
  });
  return { p, text: () => out, screen: () => screen(out), advance: (s: number) => { clock += s; }, timers: () => ticks };
}

const enc = (s: string) => new TextEncoder().encode(s);

describe("plain progress", () => {
  test("one line per event, RUN output as it comes", () => {
    let out = "";
    const p = plainProgress((t) => { out += typeof t === "string" ? t : new TextDecoder().decode(t); });
    p.start(1, "[stage-0 1/2] FROM busybox");
    p.done(1, 0.04);
    p.start(2, "[stage-0 2/2] RUN echo hi");
    p.output(2, enc("hi\n"));
    p.failed(2, 0.5);
    p.cached(3);
    p.warn("[Warning] x");
    expect(out).toBe("#1 [stage-0 1/2] FROM busybox\n#1 DONE 0.0s\n#2 [stage-0 2/2] RUN echo hi\nhi\n#2 ERROR 0.5s\n#3 CACHED\n[Warning] x\n");
  });
});

describe("tty progress", () => {
  test("a running step shows its elapsed time and the tail of its output, redrawn in place", () => {
    const t = tty();
    t.p.start(1, "[stage-0 2/3] RUN make");
    t.advance(1.25);
    t.p.output(1, enc("compiling a\ncompiling b\npartial"));
    expect(t.screen()).toEqual([
      "[+] Building 1.3s (0/1)",
      `${" => [stage-0 2/3] RUN make".padEnd(54)} 1.3s`,
      " => => # compiling a",
      " => => # compiling b",
      " => => # partial",
    ]);
    // Redrawn over the previous frame (cursor up by its height), not appended below it.
    expect(t.text()).toContain("\r\x1b[2A\x1b[J");
  });

  test("finished steps are printed once above the live area; output of a done step is folded away", () => {
    const t = tty();
    t.p.start(1, "[a 1/2] FROM busybox");
    t.p.done(1, 0.01);
    t.p.start(2, "[a 2/2] COPY . .");
    t.p.cached(2);
    t.p.start(3, "[b 2/2] RUN echo hi");
    t.p.output(3, enc("hi\n"));
    t.advance(0.5);
    t.p.done(3, 0.5);
    t.advance(0.25);
    t.p.finish(true);
    expect(t.screen()).toEqual([
      `${" => [a 1/2] FROM busybox".padEnd(54)} 0.0s`,
      `${" => CACHED [a 2/2] COPY . .".padEnd(54)} 0.0s`,
      `${" => [b 2/2] RUN echo hi".padEnd(54)} 0.5s`,
      "[+] Building 0.8s (3/3) FINISHED",
    ]);
    expect(t.timers()).toBe(0); // the redraw timer is stopped
  });

  test("a failed step keeps its last output lines; steps still running when the build fails are canceled", () => {
    const t = tty();
    t.p.start(1, "[a 2/2] RUN false");
    t.p.start(2, "[b 2/2] RUN sleep 5");
    t.p.output(1, enc("oops: \x1b[31mred\x1b[0m\tthing\n"));
    t.p.failed(1, 0.2);
    t.p.finish(false);
    const s = t.screen();
    expect(s[0]).toMatch(/^ => ERROR \[a 2\/2\] RUN false +0\.2s$/);
    expect(s[1]).toBe(" => => # oops: red  thing");
    expect(s[2]).toMatch(/^ => CANCELED \[b 2\/2\] RUN sleep 5/);
    expect(s[3]).toMatch(/^\[\+\] Building .* FAILED$/);
  });

  test("long lines are cut to the terminal width; the live area never outgrows the screen", () => {
    const t = tty(40, 8);
    for (let i = 1; i <= 5; i++) t.p.start(i, `[s ${i}/5] RUN ${"x".repeat(80)}`);
    for (let i = 1; i <= 5; i++) t.p.output(i, enc(`${"y".repeat(100)}\n`));
    const s = t.screen();
    expect(s.length).toBeLessThanOrEqual(7);
    for (const l of s) expect(l.length).toBeLessThanOrEqual(39);
    expect(s[0]).toStartWith("[+] Building");
  });

  test("a carriage return rewrites the output line (progress bars) instead of adding one", () => {
    const t = tty();
    t.p.start(1, "[s 2/2] RUN wget");
    t.p.output(1, enc("10%\r50%\r100%\ndone\n"));
    expect(t.screen().slice(2)).toEqual([" => => # 100%", " => => # done"]);
  });
});
