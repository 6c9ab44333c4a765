// Metadata instructions applied to an image config, stage selection and cycles, platform args.
import { describe, expect, test } from "bun:test";
import { applyMetadata, parseDuration } from "../../src/build/executor/metadata.ts";
import { neededStages, targetStage } from "../../src/build/executor/stages.ts";
import { parsePlatform, platformArgs } from "../../src/build/executor/platform.ts";
import { parseDockerfile } from "../../src/build/dockerfile/parse.ts";
import { envLookup } from "../../src/build/dockerfile/expand.ts";
import type { OciImageConfig } from "../../src/oci/image-config.ts";

function apply(lines: string, base: OciImageConfig["config"] = {}, args: string[] = []): OciImageConfig {
  const image: OciImageConfig = { architecture: "amd64", os: "linux", config: structuredClone(base), rootfs: { type: "layers", diff_ids: [] } };
  const state = { cmdSet: false };
  for (const ins of parseDockerfile(`FROM scratch\n${lines}`).stages[0]!.instructions) {
    const env = envLookup(image.config?.Env ?? [], []);
    const argLookup = envLookup(args);
    applyMetadata(image, ins, (k) => env(k) ?? argLookup(k), "\\", state);
  }
  return image;
}

describe("metadata instructions", () => {
  test("ENV expands with the values before the line; later ENV replaces", () => {
    const c = apply("ENV A=1\nENV A=2 B=$A\nENV C=\"x y\" D=${UNSET:-def}", { Env: ["PATH=/bin"] }).config!;
    expect(c.Env).toEqual(["PATH=/bin", "A=2", "B=1", "C=x y", "D=def"]);
  });
  test("ENV wins over ARG of the same name", () => {
    expect(apply("ENV V=env\nLABEL v=$V w=$W", {}, ["V=arg", "W=arg"]).config!.Labels).toEqual({ v: "env", w: "arg" });
  });
  test("WORKDIR is relative to the previous one", () => {
    expect(apply("WORKDIR /a\nWORKDIR b\nWORKDIR ../c").config!.WorkingDir).toBe("/a/c");
  });
  test("CMD shell form uses SHELL; a new ENTRYPOINT clears an inherited CMD but not one set in the stage", () => {
    expect(apply("SHELL [\"/bin/bash\", \"-eu\", \"-c\"]\nCMD echo hi").config!.Cmd).toEqual(["/bin/bash", "-eu", "-c", "echo hi"]);
    expect(apply("ENTRYPOINT [\"x\"]", { Cmd: ["sh"] }).config!.Cmd).toBeNull();
    expect(apply("CMD [\"y\"]\nENTRYPOINT [\"x\"]", { Cmd: ["sh"] }).config!.Cmd).toEqual(["y"]);
  });
  test("EXPOSE ranges and protocols, VOLUME, USER, STOPSIGNAL, MAINTAINER, ONBUILD", () => {
    const image = apply("EXPOSE 80 53/udp 8000-8001/TCP\nVOLUME [\"/data\"]\nVOLUME /a /b\nUSER app:staff\nSTOPSIGNAL SIGINT\nMAINTAINER me\nONBUILD run echo x");
    const c = image.config!;
    expect(Object.keys(c.ExposedPorts!)).toEqual(["80/tcp", "53/udp", "8000/tcp", "8001/tcp"]);
    expect(Object.keys(c.Volumes!)).toEqual(["/data", "/a", "/b"]);
    expect([c.User, c.StopSignal, image.author]).toEqual(["app:staff", "SIGINT", "me"]);
    expect(c.OnBuild).toEqual(["RUN echo x"]);
    expect(() => apply("EXPOSE http")).toThrow("invalid containerPort: http");
  });
  test("HEALTHCHECK with Go durations, and NONE", () => {
    expect(apply("HEALTHCHECK --interval=1m30s --timeout=500ms --retries=2 CMD true").config!.Healthcheck)
      .toEqual({ Test: ["CMD-SHELL", "true"], Interval: 90e9, Timeout: 500e6, Retries: 2 });
    expect(apply("HEALTHCHECK NONE").config!.Healthcheck).toEqual({ Test: ["NONE"] });
    expect(parseDuration("1h2m3.5s", "interval")).toBe(3723.5e9);
    expect(() => parseDuration("5", "interval")).toThrow('time: invalid duration "5"');
  });
});

describe("stages", () => {
  const df = parseDockerfile("FROM busybox AS base\nFROM base AS a\nFROM busybox AS unused\nFROM scratch AS final\nCOPY --from=a /x /x\nCOPY --from=0 /y /y\n");
  const none = () => undefined;
  test("only the stages the target needs, dependencies first", () => {
    expect(neededStages(df, targetStage(df, undefined), none).map((s) => s.from.stageName)).toEqual(["base", "a", "final"]);
    expect(neededStages(df, targetStage(df, "A"), none).map((s) => s.from.stageName)).toEqual(["base", "a"]);
    expect(() => targetStage(df, "nope")).toThrow("failed to reach build target nope in Dockerfile");
  });
  test("a cycle through COPY --from is an error", () => {
    const cyc = parseDockerfile("FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n");
    expect(() => neededStages(cyc, targetStage(cyc, "b"), none)).toThrow(/circular dependency detected on stage: [ab]/);
  });
  test("FROM names are expanded with the global args", () => {
    const d = parseDockerfile("ARG S=base\nFROM busybox AS base\nFROM ${S}\n");
    expect(neededStages(d, targetStage(d, undefined), (k) => (k === "S" ? "base" : undefined)).length).toBe(2);
  });
});

describe("platform", () => {
  test("--platform and the automatic args", () => {
    expect(parsePlatform("linux/arm64/v8")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(() => parsePlatform("windows/amd64")).toThrow("only linux images");
    expect(() => parsePlatform("linux")).toThrow("invalid platform");
    const args = platformArgs({ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64", variant: "v8" });
    expect(args.get("TARGETPLATFORM")).toBe("linux/arm64/v8");
    expect(args.get("TARGETARCH")).toBe("arm64");
    expect(args.get("BUILDPLATFORM")).toBe("linux/amd64");
  });
});
