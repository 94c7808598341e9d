export { categoryAttributes, type AttributeLookup, type CategoryAttributes } from "./category-attributes";
export { mapMetadata, withCategory, withValues, type MappedMetadata, type RuleInput } from "./map-metadata";
