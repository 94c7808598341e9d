import { badRequest, serverError } from "./errors";
import { nodeElement } from "./nodes";
import type { RequestContext, Router } from "./router";
import { isKnownType } from "./views";

/**
 * `GET api/v2/volumes/{type}`: the root node of a volume by its subtype (141 Enterprise, 133 Categories,
 * 198 Classifications, 550 Records Management, …) as a v2 element, `results.data.properties` (pyxecm get_volume;
 * OpenAPI getVolume2, whose errors are used as written). Installations that do not serve the route answer 400 like
 * any unmapped REST URL (option `volumesRoute: false`).
 */
function getVolume(ctx: RequestContext) {
  if (!ctx.sim.options.volumesRoute) {
    throw badRequest("The REST API URL could not be found in the mappings registry");
  }
  const raw = ctx.params.type;
  if (!/^-?\d+$/.test(raw)) throw badRequest("Invalid datatype specified for argument 'volume_subtype'.");
  const type = Number(raw);
  const volume = Object.values(ctx.sim.store.data.nodes).find((n) => n.parentId === -1 && n.type === type);
  if (volume) return nodeElement(ctx, volume);
  throw serverError(isKnownType(type) ? `Subtype ${type} is not a root subtype` : `Subtype ${type} not registered`);
}

export function registerVolumeRoutes(router: Router): void {
  router.get("api/v2/volumes/:type", getVolume);
}
