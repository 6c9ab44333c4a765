// One finding of `minibox system check`, shared by the image store's check (src/image/check.ts) and the
// container records' check (src/container/check.ts): what kind of thing, which one, what is wrong, and
// whether --repair fixed it.
export interface Problem {
  kind: string;
  id: string;
  message: string;
  repaired: boolean;
}
