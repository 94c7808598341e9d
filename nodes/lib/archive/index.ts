export { Archiver, knownDigestOf } from "./archiver";
export { archiverOptions, type ArchiveSettings } from "./options";
export { resolveTargetFolder } from "./targets";
export { sha256OfBuffer, sha256OfFile, sha256OfStream } from "../checksum";
export { ArchiveError, isAmbiguousCreateFailure, isUnknownAttributeError } from "./failures";
export {
  DEFAULT_NAME_RULES,
  NameTemplateError,
  cleanNodeName,
  numberedName,
  relatedName,
  renderNameTemplate,
  type NameRules,
} from "./names";
export * from "./types";
