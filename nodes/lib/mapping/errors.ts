export interface MappingProblem {
  attribute: string;
  problem: string;
}

/** Every problem of one message, reported together so that one fix round is enough. */
export class MappingError extends Error {
  override name = "MappingError";

  constructor(readonly problems: MappingProblem[]) {
    super(
      `${problems.length} mapping problem${problems.length === 1 ? "" : "s"}: ` +
        problems.map((p) => `${p.attribute}: ${p.problem}`).join("; "),
    );
  }
}
