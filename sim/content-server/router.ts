import type { IncomingMessage, ServerResponse } from "node:http";
import type { FormInput } from "./forms";
import type { SimUser } from "./model";
import type { Session } from "./sessions";
import type { SimContext } from "./context";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  form: FormInput;
  session: Session;
  user: SimUser;
  sim: SimContext;
}

/** Returns the JSON payload for a 200, or undefined when the handler wrote the response itself. */
export type RouteHandler = (ctx: RequestContext) => unknown;

export interface RouteOptions {
  /** Answered without a ticket (auth, serverinfo, ping). */
  anonymous?: boolean;
  /** Where an OTDS ticket or bearer token is exchanged for an OTCSTicket (GET api/v1/auth): always accepted. */
  otdsExchange?: boolean;
}

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
  options: RouteOptions;
}

export interface RouteMatch {
  handler: RouteHandler;
  params: Record<string, string>;
  options: RouteOptions;
}

/** Routes relative to the base path, e.g. "api/v2/nodes/:id/versions/:version". Trailing slashes never matter. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler, options: RouteOptions = {}): this {
    this.routes.push({ method, segments: split(pattern), handler, options });
    return this;
  }

  get(pattern: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.add("GET", pattern, handler, options);
  }

  post(pattern: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.add("POST", pattern, handler, options);
  }

  put(pattern: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.add("PUT", pattern, handler, options);
  }

  delete(pattern: string, handler: RouteHandler, options?: RouteOptions): this {
    return this.add("DELETE", pattern, handler, options);
  }

  match(method: string, path: string): RouteMatch | undefined {
    const segments = split(path);
    const wanted = method === "HEAD" ? "GET" : method;
    for (const route of this.routes) {
      if (route.method !== wanted || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const expected = route.segments[i];
        if (expected.startsWith(":")) params[expected.slice(1)] = decodeURIComponent(segments[i]);
        else ok = expected.toLowerCase() === segments[i].toLowerCase();
      }
      if (ok) return { handler: route.handler, params, options: route.options };
    }
    return undefined;
  }
}

function split(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}
