// Stand-in for the host-side minibox in tty.test.ts: its stdio is a pty the test drives as the "user's
// terminal"; it runs a shell on a second pty and relays with attachTerminal().
import { closeSync } from "node:fs";
import { makeControllingTerminal, openPty, openSlave } from "../../src/sys/tty.ts";
import { attachTerminal } from "../../src/runtime/terminal.ts";

// A controlling terminal makes the kernel deliver SIGWINCH to us when the test resizes the outer pty.
makeControllingTerminal(0);
const pty = openPty();
const slave = openSlave(pty);
const script = 'tty; stty size; while read l; do [ "$l" = q ] && break; stty size; done; echo got:bye';
const child = Bun.spawn(["sh", "-c", script], { stdio: [slave, slave, slave] });
closeSync(slave);
const session = attachTerminal(pty.master, { stdin: true });
await session.done;
closeSync(pty.master);
process.stdout.write(`ATTACH-DONE exit=${await child.exited}\n`);
