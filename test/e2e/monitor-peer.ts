// A stand-alone peer of the monitor socket for test/e2e/monitor-security.test.ts, run as another user
// (setpriv) or as root. Prints one JSON line per event on stdout, so the test can assert what happened.
//   bun monitor-peer.ts send <socket> <line>...   sends each line (+ "\n") and prints every reply line;
//                                                 exits after one reply per line, or with {"closed":true}
//                                                 when the monitor closes the connection first, or with
//                                                 {"error":"<code>"} when connecting fails
//   bun monitor-peer.ts send-bytes <socket> <n>   sends n bytes of "x" without a newline (same output)
//   bun monitor-peer.ts serve <socket>            a fake monitor: answers every line with {"ok":true,"pid":1}
const [mode, path, ...lines] = process.argv.slice(2);
const print = (v: unknown) => process.stdout.write(JSON.stringify(v) + "\n");

if (mode === "send" || mode === "send-bytes") {
  const payload = mode === "send" ? lines.map((l) => l + "\n").join("") : "x".repeat(Number(lines[0]));
  let buffer = "";
  let replies = 0;
  const finish = (event: unknown) => { print(event); process.exit(0); };
  Bun.connect({
    unix: path!,
    socket: {
      open(socket) { socket.write(payload); },
      data(_socket, chunk) {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          print({ reply: JSON.parse(buffer.slice(0, nl)) });
          buffer = buffer.slice(nl + 1);
          if (mode === "send" && ++replies === lines.length) finish({ done: true });
        }
      },
      close() { finish({ closed: true }); },
      error(_s, e) { finish({ error: (e as NodeJS.ErrnoException).code ?? e.message }); },
      connectError(_s, e) { finish({ error: (e as NodeJS.ErrnoException).code ?? e.message }); },
    },
  }).catch((e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
} else if (mode === "serve") {
  Bun.listen({
    unix: path!,
    socket: { data(socket) { socket.write(JSON.stringify({ ok: true, pid: 1 }) + "\n"); } },
  });
  print({ listening: true });
} else {
  console.error("usage: monitor-peer.ts send|serve <socket> [line…]");
  process.exit(2);
}
