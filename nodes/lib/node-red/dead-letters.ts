/*
 * Dead letters of a running node, for the editor: list them and give them another chance. The replay goes through
 * the node's state store (dead → pending with all attempts, in its journal or its database), so a replayed item is
 * handed out and acknowledged like any other: exactly once.
 *
 *   GET  /<type>/:node/dead-letters?limit=   {total, deadLetters: [{id, reason, attempts, at, …}]}   <type>.read
 *   POST /<type>/:node/dead-letters/replay   body {ids: [...]} (some) or {all: true}  → {replayed: [...]}  <type>.write
 */
import type { NodeAPI } from "node-red";
import type { Request } from "express";
import { registerAdminEndpoint, RefusedRequest } from "./admin";

/** What a node with dead letters offers the endpoints. */
export interface DeadLetterSource<Letter> {
  deadLetters(limit?: number): Promise<Letter[]>;
  deadLetterCount(): Promise<number>;
  /** Resolves with the ids replayed once the replay is recorded durably. */
  replayDeadLetters(ids?: string[]): Promise<string[]>;
}

const DEFAULT_LISTED = 200;
const MAX_LISTED = 5_000;

export function registerDeadLetterEndpoints<Letter>(
  RED: NodeAPI,
  type: string,
  find: (nodeId: string) => DeadLetterSource<Letter> | undefined,
): void {
  const source = (req: Request): DeadLetterSource<Letter> => {
    const found = find(String(req.params.node));
    if (!found) throw new RefusedRequest(`no running ${type} node ${req.params.node} (deploy it first)`, 404);
    return found;
  };
  registerAdminEndpoint(RED, "get", `/${type}/:node/dead-letters`, `${type}.read`, async (req) => {
    const letters = source(req);
    const asked = Number(req.query.limit ?? DEFAULT_LISTED);
    const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_LISTED) : DEFAULT_LISTED;
    return { total: await letters.deadLetterCount(), deadLetters: await letters.deadLetters(limit) };
  });
  registerAdminEndpoint(RED, "post", `/${type}/:node/dead-letters/replay`, `${type}.write`, async (req) => {
    const letters = source(req);
    const body = (req.body ?? {}) as { ids?: unknown; all?: unknown };
    const ids = body.ids;
    const valid = Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === "string" && id);
    if (body.all !== true && !valid) {
      throw new RefusedRequest('send {"ids": ["<dead letter id>", …]} or {"all": true}');
    }
    const replayed = await letters.replayDeadLetters(body.all === true ? undefined : (ids as string[]));
    return { replayed };
  });
}
