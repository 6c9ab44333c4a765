import { describe, expect, test } from "bun:test";
import { applyChanges, ChangeError } from "../../src/files/change.ts";

describe("--change instructions", () => {
  test("CMD and ENTRYPOINT: exec form as JSON, shell form through /bin/sh -c", () => {
    expect(applyChanges({}, ['CMD ["a", "b c"]']).Cmd).toEqual(["a", "b c"]);
    expect(applyChanges({}, ["CMD echo hi"]).Cmd).toEqual(["/bin/sh", "-c", "echo hi"]);
    expect(applyChanges({}, ['ENTRYPOINT ["/init"]']).Entrypoint).toEqual(["/init"]);
    expect(applyChanges({}, ["CMD [not json"]).Cmd).toEqual(["/bin/sh", "-c", "[not json"]);
  });

  test("ENV replaces a variable of the same name and accepts both forms and quotes", () => {
    const c = applyChanges({ Env: ["PATH=/bin", "A=0"] }, ["ENV A=1 B=\"two words\"", "ENV C three words"]);
    expect(c.Env).toEqual(["PATH=/bin", "A=1", "B=two words", "C=three words"]);
  });

  test("EXPOSE, LABEL, VOLUME, USER, WORKDIR, STOPSIGNAL, ONBUILD", () => {
    const c = applyChanges({ WorkingDir: "/app" }, [
      "EXPOSE 80 53/udp", "LABEL a=b c=\"d e\"", 'VOLUME ["/data"]', "VOLUME /x /y", "USER 1000:1000",
      "WORKDIR sub", "STOPSIGNAL SIGINT", "ONBUILD RUN true",
    ]);
    expect(c.ExposedPorts).toEqual({ "80/tcp": {}, "53/udp": {} });
    expect(c.Labels).toEqual({ a: "b", c: "d e" });
    expect(c.Volumes).toEqual({ "/data": {}, "/x": {}, "/y": {} });
    expect(c.User).toBe("1000:1000");
    expect(c.WorkingDir).toBe("/app/sub");
    expect(c.StopSignal).toBe("SIGINT");
    expect(c.OnBuild).toEqual(["RUN true"]);
  });

  test("instructions Docker refuses, unknown ones and malformed arguments", () => {
    expect(() => applyChanges({}, ["RUN rm -rf /"])).toThrow("RUN is not a valid change command");
    expect(() => applyChanges({}, ["FROB x"])).toThrow("unknown instruction: FROB");
    expect(() => applyChanges({}, ["CMD"])).toThrow(ChangeError);
    expect(() => applyChanges({}, ["EXPOSE eighty"])).toThrow("invalid containerPort: eighty");
    expect(() => applyChanges({}, ["ENV lonely"])).toThrow(ChangeError);
  });

  test("the input config is not modified", () => {
    const base = { Env: ["A=1"] };
    applyChanges(base, ["ENV A=2"]);
    expect(base.Env).toEqual(["A=1"]);
  });
});
