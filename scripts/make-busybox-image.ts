// Writes a small busybox image (docker-archive, "busybox:latest", Cmd ["sh"]) built from the host's
// static busybox, for the README quick start: `bun scripts/make-busybox-image.ts busybox.tar`.
import { resolve } from "node:path";
import { writeDockerArchive } from "../test/fixtures/images.ts";

const out = resolve(process.argv[2] ?? "busybox.tar");
const image = writeDockerArchive(out, { name: "busybox:latest", config: { Cmd: ["sh"] } });
console.log(`wrote ${out} (busybox:latest, ${image.configDigest})`);
