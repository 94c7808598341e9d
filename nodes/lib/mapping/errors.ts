export interface MappingProblem {
  attribute: string;
  problem: string;
}

/** Every problem of one message, reported together so that one fix round is enough. */
export class MappingError extends Error {
  override name = "MappingError";
  /** The same message maps the same way: only a changed message or rule helps. */
  readonly permanent = true;

  constructor(readonly problems: MappingProblem[]) {
    super(`${countOf(problems)}: ` + problems.map((p) => `${p.attribute}: ${p.problem}`).join("; "));
  }

  get statusText(): string {
    return countOf(this.problems);
  }
}

function countOf(problems: MappingProblem[]): string {
  return `${problems.length} mapping problem${problems.length === 1 ? "" : "s"}`;
}
