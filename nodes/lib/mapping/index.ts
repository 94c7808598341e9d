export * from "./types";
export { MappingError, type MappingProblem } from "./errors";
export { timeZoneProblem, toContentServerDate, type DateOptions } from "./dates";
export { mapAttributes } from "./engine";
