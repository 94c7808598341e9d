import type { AttributeDefinition, AttributeValueType } from "../mapping";
import type { CategoryAttribute, CategoryDefinition } from "./types";

/**
 * The live category definition as the mapping engine sees it: a lookup from attribute NAME (case-insensitive;
 * attributes inside a set as `Set:Attribute`, row 1) to key, type and the definition's own constraints.
 */
export function attributeLookup(definition: CategoryDefinition): (name: string) => AttributeDefinition | undefined {
  const byName = new Map<string, AttributeDefinition>();
  const ambiguous = new Set<string>();
  const add = (name: string, attribute: CategoryAttribute) => {
    const key = name.trim().toLowerCase();
    if (byName.has(key)) ambiguous.add(key);
    else byName.set(key, toAttributeDefinition(name, attribute));
  };
  for (const attribute of definition.attributes) {
    if (attribute.setName) add(`${attribute.setName}:${attribute.name}`, attribute);
    else add(attribute.name, attribute);
  }
  return (name) => {
    const key = name.trim().toLowerCase();
    return ambiguous.has(key) ? undefined : byName.get(key);
  };
}

/** Attribute names as the editor offers them (set members as `Set:Attribute`). */
export function attributeNames(definition: CategoryDefinition): string[] {
  return definition.attributes.map((a) => (a.setName ? `${a.setName}:${a.name}` : a.name));
}

export function mappingType(attribute: Pick<CategoryAttribute, "type" | "format">): AttributeValueType {
  if (attribute.type === "date" || attribute.format === "date" || attribute.format === "datetime") return "date";
  if (attribute.type === "integer") return "integer";
  if (attribute.type === "number") return "real";
  if (attribute.type === "boolean") return "boolean";
  return "string";
}

function toAttributeDefinition(name: string, attribute: CategoryAttribute): AttributeDefinition {
  return {
    name,
    key: attribute.key,
    type: mappingType(attribute),
    multiValue: attribute.multiValue,
    required: attribute.required,
    maxLength: attribute.maxLength,
    validValues: attribute.validValues?.map(String),
  };
}
