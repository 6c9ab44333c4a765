// dockerd's parsing of ps output for `top`: PID column by title, last column keeps its spaces.
import { expect, test } from "bun:test";
import { parsePsOutput } from "../../src/container/top.ts";
import { UserError } from "../../src/errors.ts";

const PS = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root        4242    4200  0 10:01 ?        00:00:00 sleep 1000 --with  args
root        4243    4242  0 10:01 pts/0    00:00:00 sh -c echo hi
`;

test("keeps only the container's pids, joins the command", () => {
  expect(parsePsOutput(PS, new Set([4242, 4243]))).toEqual({
    titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
    processes: [
      ["root", "4242", "4200", "0", "10:01", "?", "00:00:00", "sleep 1000 --with args"],
      ["root", "4243", "4242", "0", "10:01", "pts/0", "00:00:00", "sh -c echo hi"],
    ],
  });
  expect(parsePsOutput(PS, new Set()).processes).toEqual([]);
});

test("no PID column, or a PID that is no number: Docker's errors", () => {
  expect(() => parsePsOutput("COMMAND\nsleep\n", new Set([1]))).toThrow(new UserError("Couldn't find PID field in ps output", 1));
  expect(() => parsePsOutput("PID CMD\nabc x\n", new Set([1]))).toThrow("Unexpected pid 'abc' in ps output");
});
