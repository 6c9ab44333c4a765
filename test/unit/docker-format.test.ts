// docker/cli's --format directives over the engine: table with headers and tabwriter columns, json
// shorthand, literal \t, and Docker's messages (exit status 1) for bad templates.
import { describe, expect, test } from "bun:test";
import { FormatError, formatEach, formatList } from "../../src/format/docker-format.ts";
import { tabwrite } from "../../src/format/tabwriter.ts";
import { containerRow, PS_FORMAT } from "../../src/format/container-row.ts";

const facts = (name: string, command: string[]) => ({
  id: `${name}0123456789abcdef0123456789abcdef0123456789abcdef`.slice(0, 64), name, imageName: "busybox", command, created: "2024-05-06T07:08:09.5Z",
  runningFor: "2 hours ago", state: "running", status: "Up 2 hours",
});
const rows = [containerRow(facts("web", ["sh", "-c", "echo a rather long command"]), true), containerRow(facts("db", ["true"]), true)];

describe("formatList", () => {
  test("a template per row", () => {
    expect(formatList("{{.Names}}", rows, PS_FORMAT)).toBe("web\ndb\n");
    expect(formatList("{{.Names}}\\t{{.Image}}", rows, PS_FORMAT)).toBe("web\tbusybox\ndb\tbusybox\n");
  });

  test("Docker's field values: quoted and truncated command, short id, CreatedAt as Go prints time", () => {
    expect(formatList("{{.ID}}|{{.Command}}|{{.CreatedAt}}", rows.slice(0, 1), PS_FORMAT)).toBe('web012345678|"sh -c echo a rather…"|2024-05-06 07:08:09 +0000 UTC\n');
  });

  test("table: headers from the field names, columns as tabwriter(minwidth 10, padding 3)", () => {
    expect(formatList("table {{.Names}}\\t{{.Image}}\\t{{.Status}}", rows, PS_FORMAT)).toBe(
      "NAMES     IMAGE     STATUS\nweb       busybox   Up 2 hours\ndb        busybox   Up 2 hours\n");
    expect(formatList("table {{.ID}}\t{{.Names}}", [], PS_FORMAT)).toBe("CONTAINER ID   NAMES\n");
  });

  test("table alone is Docker's default table", () => {
    const [header] = formatList("table", rows, PS_FORMAT).split("\n");
    expect(header!.split(/ {2,}/)).toEqual(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]);
  });

  test("json: one object per line with Docker's keys, sorted", () => {
    const lines = formatList("json", rows, PS_FORMAT).trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, string>);
    expect(Object.keys(lines[0]!)).toEqual(["Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names", "Networks", "Ports", "RunningFor", "Size", "State", "Status"]);
    expect(lines.map((l) => l.Names)).toEqual(["web", "db"]);
  });

  test("bad templates: Docker's words, exit status 1, nothing rendered", () => {
    const err = (f: () => unknown) => { try { f(); } catch (e) { return e as FormatError; } throw new Error("no error"); };
    const parse = err(() => formatList("{{.Names}", rows, PS_FORMAT));
    expect(parse).toBeInstanceOf(FormatError);
    expect(parse.exitCode).toBe(1);
    expect(parse.message).toBe('template parsing error: template: :1: unexpected "}" in operand');
    expect(err(() => formatList("{{.Nope}}", rows, PS_FORMAT)).message).toBe(`template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *formatter.ContainerContext`);
  });
});

describe("formatEach (inspect)", () => {
  test("each value, map semantics for missing keys", () => {
    expect(formatEach("{{.State.Pid}} {{.Nope}}", [{ State: { Pid: 12 } }, { State: { Pid: 0 } }])).toBe("12 <no value>\n0 <no value>\n");
  });
});

describe("tabwriter", () => {
  test("the last cell of a line is not aligned; blocks of lines share widths", () => {
    expect(tabwrite("a\tb\nlonger-than-ten\tc\n")).toBe(`a${" ".repeat(17)}b\nlonger-than-ten   c\n`);
    expect(tabwrite("x\ny\tz\n")).toBe("x\ny         z\n");
  });
});
