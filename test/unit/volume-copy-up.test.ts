// copyUpFromImage on a one-layer "image" made in a temp dir (needs root for owners and device nodes):
// what is kept, what is skipped, and that a symlinked mount path resolves inside the image.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyUpFromImage } from "../../src/volume/copy-up.ts";
import { lgetxattr, lsetxattr, mknod, S_IFCHR, S_IFIFO } from "../../src/sys/fs.ts";

const isRoot = process.getuid?.() === 0;
let base = "", layer = "", out = "";
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "minibox-copyup-"));
  layer = join(base, "layer");
  out = join(base, "out");
  mkdirSync(layer);
  mkdirSync(out);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe.skipIf(!isRoot)("copyUpFromImage (one layer; skipped: needs root)", () => {
  test("owners, modes incl. set-id bits, xattrs, times, links, fifos; whiteouts and overlay xattrs skipped", () => {
    const app = join(layer, "srv", "app");
    mkdirSync(app, { recursive: true });
    chownSync(app, 1000, 1000);
    chmodSync(app, 0o750);
    writeFileSync(join(app, "tool"), "#!/bin/sh\n");
    chownSync(join(app, "tool"), 0, 50);
    chmodSync(join(app, "tool"), 0o4755);
    lsetxattr(join(app, "tool"), "user.kept", "yes");
    mkdirSync(join(app, "opaque"));
    lsetxattr(join(app, "opaque"), "trusted.overlay.opaque", "y");
    symlinkSync("/etc/passwd", join(app, "hostlink"));
    mknod(join(app, "fifo"), S_IFIFO | 0o600);
    mknod(join(app, "gone"), S_IFCHR | 0o000, 0, 0); // an overlay whiteout: not content
    copyUpFromImage([layer], "/srv/app", out);
    expect(readdirSync(out).sort()).toEqual(["fifo", "hostlink", "opaque", "tool"]);
    const root = statSync(out);
    expect([root.uid, root.gid, root.mode & 0o7777]).toEqual([1000, 1000, 0o750]);
    const tool = statSync(join(out, "tool"));
    expect([tool.uid, tool.gid, tool.mode & 0o7777]).toEqual([0, 50, 0o4755]);
    expect(tool.mtimeMs).toBe(statSync(join(app, "tool")).mtimeMs);
    expect(readFileSync(join(out, "tool"), "utf8")).toBe("#!/bin/sh\n");
    expect(lgetxattr(join(out, "tool"), "user.kept")?.toString()).toBe("yes");
    expect(lgetxattr(join(out, "opaque"), "trusted.overlay.opaque")).toBeNull();
    expect(readlinkSync(join(out, "hostlink"))).toBe("/etc/passwd");
    expect(lstatSync(join(out, "fifo")).isFIFO()).toBe(true);
  });

  test("a mount path that is a symlink resolves inside the image; a missing path or a file copies nothing", () => {
    mkdirSync(join(layer, "etc"));
    writeFileSync(join(layer, "etc", "image-only"), "x");
    symlinkSync("../../../../etc", join(layer, "up"));
    copyUpFromImage([layer], "/up", out);
    expect(readdirSync(out)).toEqual(["image-only"]);
    const empty = join(base, "empty");
    mkdirSync(empty);
    copyUpFromImage([layer], "/missing/dir", empty);
    copyUpFromImage([layer], "/etc/image-only", empty);
    expect(readdirSync(empty)).toEqual([]);
  });
});
