// Every flag parser, fed malformed input: it returns a value or throws a UserError (ArgvError for the
// command line's own syntax) — never a raw TypeError/RangeError/errno error that would print a stack or an
// errno the user never asked about. Inputs: hand-picked nasties plus seeded random strings.
import { describe, expect, test } from "bun:test";
import { UserError } from "../../src/errors.ts";
import { ArgvError } from "../../src/cli/argv.ts";
import { parseContainerArgs } from "../../src/cli/container-args.ts";
import { parseExecArgs } from "../../src/cli/exec.ts";
import { parseLogsArgs } from "../../src/cli/logs.ts";
import { parseAttachArgs } from "../../src/cli/attach.ts"; // compat-run
import {
  parseEnvFile, parseRestartPolicy, parseSeconds, parseTmpfs, resolveEnvArg, validateHostname, validateName,
} from "../../src/container/options.ts";
import { parseSignal } from "../../src/container/signals.ts";
import { parseVolumeFlag } from "../../src/volume/volume-flag.ts";
import { limitsFromFlags, parseBytes, parseCpus, parseCpuset, parseInteger, parseMemorySwap, parseUlimit } from "../../src/cgroups/units.ts";
import { parseTail, parseTimeArgument } from "../../src/logs/since.ts";

const NASTY = [
  "", " ", "-", "--", "=", ":", "::", "/", "//", "\0", "a\0b", "\n", "-1", "0", "00", "1e3", "1e+23", "0x10", "NaN", "Infinity", "-Infinity",
  "99999999999999999999999", "9007199254740993", "-9007199254740993", "1.5", ".5", "5.", "1..2", "١٢٣", "１２", "\udcff", "\ud800", "é",
  "constructor", "__proto__", "toString", "SIG", "RTMIN+99", "a".repeat(10_000), "/".repeat(5000), "/" + "a".repeat(300),
  "1:2:3", "nofile=", "nofile=1:", "=1", "on-failure:", "on-failure:-1", "always:3", "/tmp:", ":/x", "/tmp:/x:ro:rw", "/tmp:/x:zz",
  "/tmp:relative", "/tmp:/", "size=1g", "0-", "-0", "3-1", "0,,1", "1g", "1.5.5g", "512mb", "1 g", "1pb", "1tib",
];

function randomStrings(count: number, seed = 7): string[] {
  const alphabet = "0123456789-+.:=/,eExXkKmMgGsSaz \t\u00e9\udcff";
  let s = seed;
  const rand = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff) >>> 4) % n;
  return Array.from({ length: count }, () => Array.from({ length: rand(24) }, () => alphabet[rand(alphabet.length)]).join(""));
}

const INPUTS = [...NASTY, ...randomStrings(400)];

/** The call either returns or throws a UserError/ArgvError; anything else fails with the input named. */
function expectTypedFailure(name: string, call: () => unknown): void {
  try {
    call();
  } catch (e) {
    if (e instanceof UserError || e instanceof ArgvError) return; // printed as one line by cli/report.ts
    throw new Error(`${name} threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
}

const PARSERS: [string, (v: string) => unknown][] = [
  ["validateName", validateName],
  ["validateHostname", validateHostname],
  ["resolveEnvArg", (v) => resolveEnvArg(v, {})],
  ["parseVolumeFlag", parseVolumeFlag],
  ["parseTmpfs", parseTmpfs],
  ["parseRestartPolicy", parseRestartPolicy],
  ["parseSeconds", (v) => parseSeconds(v, "--stop-timeout")],
  ["parseSignal", parseSignal],
  ["parseBytes", (v) => parseBytes(v)],
  ["parseMemorySwap", parseMemorySwap],
  ["parseInteger", (v) => parseInteger(v, "--cpu-shares")],
  ["parseCpus", parseCpus],
  ["parseCpuset", (v) => parseCpuset(v, "cpus")],
  ["parseUlimit", parseUlimit],
  ["parseTail", parseTail],
  ["parseTimeArgument", (v) => parseTimeArgument(v, "since", 1_700_000_000_000)],
  ["parseEnvFile", (v) => parseEnvFile(v, {})],
  ["limitsFromFlags memory", (v) => limitsFromFlags({ memory: v }, 2)],
  ["limitsFromFlags pids", (v) => limitsFromFlags({ pidsLimit: v }, 2)],
  ["limitsFromFlags quota", (v) => limitsFromFlags({ cpuQuota: v }, 2)],
  ["limitsFromFlags cpuset", (v) => limitsFromFlags({ cpusetCpus: v, cpusetMems: v }, 2)],
  ["run flags", (v) => parseContainerArgs(["--name", v, "-w", v, "--stop-signal", v, "--stop-timeout", v, "busybox"], {}, "run")],
  ["run -v/-e/--tmpfs", (v) => parseContainerArgs(["-v", v, "-e", v, "--tmpfs", v, "--restart", v, "busybox"], {}, "run")],
  ["run --ulimit/--pull/--security-opt", (v) => parseContainerArgs(["--ulimit", v, "--pull", v, "--security-opt", v, "busybox"], {}, "run")],
  ["run trailing flag", (v) => parseContainerArgs([v], {}, "run")],
  ["exec flags", (v) => parseExecArgs(["-e", v, "-w", v, "c", "cmd"], {})],
  ["logs flags", (v) => parseLogsArgs(["--tail", v, "--since", v, "--until", v, "c"], 1_700_000_000_000)],
  // compat-run
  ["run -l/--label-file/--cidfile", (v) => parseContainerArgs(["-l", v, "--label-file", v, "busybox"], {}, "run")],
  ["run --health-*", (v) => parseContainerArgs(["--health-cmd", v, "--health-interval", v, "--health-timeout", v, "--health-retries", v, "--health-start-period", v, "busybox"], {}, "run")],
  ["run -a/--detach-keys", (v) => parseContainerArgs(["-a", v, "--detach-keys", v, "busybox"], {}, "run")],
  ["attach flags", (v) => parseAttachArgs(["--detach-keys", v, "c"])],
  ["run --log-driver/--log-opt", (v) => parseContainerArgs(["--log-driver", v, "--log-opt", v, "--log-opt", `max-size=${v}`, "--log-opt", `max-file=${v}`, "busybox"], {}, "run")],
];

describe("flag parsers never throw a raw error", () => {
  for (const [name, parse] of PARSERS) {
    test(name, () => {
      for (const input of INPUTS) expectTypedFailure(`${name}(${JSON.stringify(input.slice(0, 40))})`, () => parse(input));
    });
  }
});

describe("the class of bugs from issue #9", () => {
  test("numbers beyond safe integers are refused, not rounded", () => {
    expect(() => parseBytes("99999999999999999999999")).toThrow(/value out of range/);
    expect(() => parseBytes("9000000p")).toThrow(/value out of range/);
    expect(() => parseSeconds("99999999999999999999", "--stop-timeout")).toThrow(/value out of range/);
    expect(() => parseInteger("9007199254740993", "--cpu-shares")).toThrow(/value out of range/);
    expect(() => parseRestartPolicy("on-failure:99999999999999999999")).toThrow(/value out of range/);
    expect(parseRestartPolicy("on-failure:5").maximumRetryCount).toBe(5);
  });

  test("names and paths too long for the file system are the user's error", () => {
    expect(() => validateName("a".repeat(256))).toThrow(/at most 255 are allowed/);
    expect(validateName("a".repeat(255))).toBe("a".repeat(255));
    expect(() => parseVolumeFlag(`/tmp:/${"a".repeat(5000)}`)).toThrow(/longer than 4095 bytes/);
  });

  test("a directory where a file is expected", () => {
    expect(() => parseEnvFile("/tmp", {})).toThrow("read /tmp: is a directory");
  });
});
