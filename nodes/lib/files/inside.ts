import path from "node:path";

/** Whether `candidate` is `root` or lies below it (both absolute, compared as written). */
export function isInside(candidate: string, root: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
