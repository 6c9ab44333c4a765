// Issue #13: `login` as Docker's: an interactive prompt on a terminal (Username, then Password with echo
// off), --password-stdin (which needs --username), and Docker's refusal to prompt without a terminal.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { closeSync, existsSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BINARY, makeSandbox, type Sandbox } from "./harness.ts";
import { startRegistry, type Registry } from "./registry.ts";
import { openPty, openSlave } from "../../src/sys/tty.ts";
import { readMaster } from "../../src/runtime/terminal.ts";

const USER = "bob";
const PASS = "pr1vate-pass";
setDefaultTimeout(60_000);
let sb: Sandbox;
let reg: Registry;
let dockerConfig: string;
beforeAll(async () => {
  sb = makeSandbox("minibox-e2e-login-");
  dockerConfig = join(sb.root, "..", "docker-config");
  reg = await startRegistry({ htpasswd: { user: USER, password: PASS } });
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  sb?.cleanup();
}, 30_000);

const configFile = () => join(dockerConfig, "config.json");
const env = () => ({ DOCKER_CONFIG: dockerConfig });

test("on a terminal: prompts for the username, then the password without echoing it", async () => {
  const pty = openPty();
  const slave = openSlave(pty);
  const proc = Bun.spawn([BINARY, "login", reg.host], { env: { ...sb.env, ...env() }, stdio: [slave, slave, slave] });
  closeSync(slave);
  let seen = "";
  const reader = readMaster(pty.master, (chunk) => (seen += new TextDecoder().decode(chunk)));
  const until = async (marker: string) => {
    const deadline = Date.now() + 30_000;
    while (!seen.includes(marker)) {
      if (Date.now() > deadline) throw new Error(`no "${marker}" in ${JSON.stringify(seen)}`);
      await Bun.sleep(10); // polling a condition with a deadline
    }
  };
  try {
    await until("Username: ");
    writeSync(pty.master, `${USER}\n`);
    await until("Password: ");
    writeSync(pty.master, `${PASS}\n`);
    await until("Login Succeeded");
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
    reader.stop();
    await reader.done.catch(() => {});
    closeSync(pty.master);
  }
  expect(seen).toContain(USER); // the username is echoed, as typed
  expect(seen).not.toContain(PASS);
  const config = JSON.parse(readFileSync(configFile(), "utf8"));
  expect(Buffer.from(config.auths[reg.host].auth, "base64").toString()).toBe(`${USER}:${PASS}`);
  expect((await sb.run(["logout", reg.host], { env: env() })).code).toBe(0);
});

test("--password-stdin with --username logs in; without --username it is Docker's error", async () => {
  const ok = await sb.run(["login", "--username", USER, "--password-stdin", reg.host], { env: env(), stdin: `${PASS}\n` });
  expect({ code: ok.code, stdout: ok.stdout }).toEqual({ code: 0, stdout: "Login Succeeded\n" });
  expect((await sb.run(["logout", reg.host], { env: env() })).code).toBe(0);
  const bad = await sb.run(["login", "--password-stdin", reg.host], { env: env(), stdin: `${PASS}\n` });
  expect({ code: bad.code, stderr: bad.stderr.trim() }).toEqual({ code: 1, stderr: "minibox: Must provide --username with --password-stdin" });
});

test("no terminal and nothing to read the password from: Docker's refusal, nothing written", async () => {
  const r = await sb.run(["login", "-u", USER, reg.host], { env: env() });
  expect({ code: r.code, stderr: r.stderr.trim() }).toEqual({ code: 1, stderr: "minibox: Cannot perform an interactive login from a non TTY device" });
  expect(existsSync(configFile()) && JSON.parse(readFileSync(configFile(), "utf8")).auths?.[reg.host]).toBeFalsy();
});
