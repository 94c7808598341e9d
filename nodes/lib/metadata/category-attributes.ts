import type { CategoryDefinition, ContentServerClient } from "../content-server";
import { attributeLookup } from "../content-server/mapping-definitions";
import type { AttributeDefinition, MappingRule } from "../mapping";

export type AttributeLookup = (name: string) => AttributeDefinition | undefined;

/** The category's attributes by name, as the rules of one message see them. */
export type CategoryAttributes = (rules: MappingRule[]) => Promise<{ lookup: AttributeLookup; categoryId: number }>;

/**
 * The attributes of `category` from its definition as the client caches it. A rule naming an attribute the cached
 * definition lacks makes it read again, once per deployment: the category may have changed since it was cached, and
 * a rule that is simply wrong must not cost a read per message.
 */
export function categoryAttributes(
  categories: () => Pick<ContentServerClient["categories"], "getCategoryDefinition" | "clearCache">,
  category: string,
): CategoryAttributes {
  let refreshedOnce = false;
  const lookups = new WeakMap<CategoryDefinition, AttributeLookup>();
  const lookupOf = (definition: CategoryDefinition): AttributeLookup => {
    let lookup = lookups.get(definition);
    if (!lookup) lookups.set(definition, (lookup = attributeLookup(definition)));
    return lookup;
  };
  return async (rules) => {
    const api = categories();
    let definition = await api.getCategoryDefinition(category);
    let lookup = lookupOf(definition);
    if (!refreshedOnce && rules.some((r) => !lookup(r.attribute))) {
      refreshedOnce = true;
      api.clearCache();
      definition = await api.getCategoryDefinition(category);
      lookup = lookupOf(definition);
    }
    return { lookup, categoryId: definition.id };
  };
}
