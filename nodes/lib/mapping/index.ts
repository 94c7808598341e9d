export * from "./types";
export { MappingError, type MappingProblem } from "./errors";
export { toContentServerDate } from "./dates";
export { mapAttributes } from "./engine";
