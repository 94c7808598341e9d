import { setTimeout as sleep } from "node:timers/promises";
import { flattenCategoryValues, nestCategoryValues } from "../content-server/categories";
import { ContentServerError } from "../content-server/errors";
import type { ContentServerClient } from "../content-server/index";
import { DOCUMENT_TYPE } from "../content-server/nodes";
import type { CategoryValues, CsNode, DocumentContent } from "../content-server/types";
import { sha256OfBuffer, sha256OfFile, sha256OfStream } from "../checksum";
import { fileFacts } from "../files/file-thread";
import { crashPoint } from "../reliability/crash-points";
import { ArchiveError, isAmbiguousCreateFailure, isUnknownAttributeError } from "./failures";
import { numberedName } from "./names";
import { forgetTargetFolder, resolveTargetFolder } from "./targets";
import type {
  ArchiveItem,
  ArchiveOutcome,
  ArchiveRequest,
  ArchiveResult,
  ArchiverOptions,
  KnownDigest,
  StoredItem,
} from "./types";

/** Bounds the search for a free "name (n)" and the rounds after losing a name to a concurrent writer. */
const MAX_NUMBERED_NAMES = 100;
const MAX_NAME_ROUNDS = 5;
/** Files above this size are looked up by name before they are uploaded (see {@link Archiver.store}). */
const LOOK_UP_FIRST_ABOVE_BYTES = 16 * 1024 * 1024;

interface PreparedItem extends ArchiveItem {
  parentId: number;
  sha256: string;
  size: number;
}

/** Category values of one message, re-resolvable once when CS reports an unknown attribute. */
interface CategoryState {
  flat: CategoryValues;
  metadata?: Record<string, unknown>;
  refreshed: boolean;
}

/**
 * Stores documents in Content Server exactly once per content: a name that already holds the same SHA-256 is a
 * duplicate (CS refuses the upload of a taken name; the item found under it is compared), a create with an unknown
 * outcome is looked up before it is sent again, and a name taken by a concurrent writer is examined instead of failing. The client bounds concurrency and
 * retries transient failures of idempotent calls.
 */
export class Archiver {
  private rmClassificationId?: Promise<number>;
  private holdId?: Promise<number>;

  constructor(
    private readonly client: ContentServerClient,
    private readonly options: ArchiverOptions,
  ) {}

  async archive(request: ArchiveRequest): Promise<ArchiveResult> {
    try {
      return await this.archiveOnce(request);
    } catch (err) {
      // The target folder came from the cache and CS no longer knows a node (the folder deleted or moved away):
      // resolve the path anew, once. Any other failure only forgets the cached folder (the next attempt resolves it).
      const usedCache = forgetTargetFolder(this.client, request.target);
      if (usedCache && err instanceof ContentServerError && err.isNotFound) return this.archiveOnce(request);
      throw err;
    }
  }

  private async archiveOnce(request: ArchiveRequest): Promise<ArchiveResult> {
    // Names of the RM classification and the hold are resolved before anything is stored: a wrong name fails the
    // message without leaving an unclassified document behind.
    if (this.options.rmClassification !== undefined) await this.resolveRmClassification();
    if (this.options.hold !== undefined) await this.resolveHold();
    const state: CategoryState = {
      flat: flattenCategoryValues(request.categories ?? {}),
      metadata: request.metadata,
      refreshed: false,
    };
    let folder = await resolveTargetFolder(this.client, request.target);
    if (request.related?.length && request.relatedPlacement === "recordFolder") {
      if (!request.recordFolderName) {
        throw new ArchiveError("no name for the communication record folder", true, "NO_RECORD_FOLDER_NAME");
      }
      folder = await this.client.nodes.ensureFolderPath(folder.id, [request.recordFolderName]);
    }
    const primary = await this.store(await this.prepare(folder.id, request.primary), state);
    if (!request.related?.length) return primary;
    const related: StoredItem[] = [];
    for (const item of request.related) related.push(await this.store(await this.prepare(folder.id, item), state));
    return { ...primary, related };
  }

  /** Sets category values on an existing node (applying categories it does not have yet). */
  async updateMetadata(nodeId: number, categories: CategoryValues, metadata?: Record<string, unknown>): Promise<void> {
    const state: CategoryState = { flat: flattenCategoryValues(categories), metadata, refreshed: false };
    await this.withCategoryRefresh(state, () => this.writeCategories(nodeId, state.flat));
  }

  private async prepare(parentId: number, item: ArchiveItem): Promise<PreparedItem> {
    const digested = await digest(item.content, item.knownDigest);
    const content = "path" in item.content ? { ...item.content, size: digested.size } : item.content;
    return { ...item, content, parentId, ...digested };
  }

  private async store(item: PreparedItem, state: CategoryState): Promise<StoredItem> {
    const wantedName = item.name;
    // A new document is the common case: it is uploaded at once and CS refuses a taken name (DUPLICATE); only then
    // is the name looked up. A large file is looked up first: sending it for nothing costs more than the look-up.
    let lookFirst = item.size > LOOK_UP_FIRST_ABOVE_BYTES;
    for (let round = 0; round < MAX_NAME_ROUNDS; round++) {
      if (!lookFirst) {
        const created = await this.create(item, state);
        if (created) return created;
      }
      lookFirst = false;
      const existing = await this.client.nodes.findChildByName(item.parentId, item.name);
      if (!existing) continue; // free (again): upload
      requireDocument(existing);
      if (await this.holdsSameContent(existing, item.sha256)) return this.finish(existing, item, "duplicate");
      switch (this.options.existsPolicy) {
        case "skip":
          return this.finish(existing, item, "duplicate", { verify: false });
        case "fail":
          throw new ArchiveError(
            `"${item.name}" already exists in ${item.parentId} (node ${existing.id}) with different content`,
            true,
            "EXISTS",
          );
        case "version":
          return this.addVersion(existing, item, state);
        case "new": {
          const free = await this.freeNumberedName(wantedName, item);
          if ("duplicate" in free) return this.finish(free.duplicate, { ...item, name: wantedName }, "duplicate");
          item = { ...item, name: free.name };
          continue;
        }
      }
    }
    throw new ArchiveError(`"${item.name}" kept changing in ${item.parentId}; giving up`, false, "NAME_RACE");
  }

  /** Uploads; undefined when the name turned out to be taken (by a concurrent writer or an earlier attempt). */
  private async create(item: PreparedItem, state: CategoryState): Promise<StoredItem | undefined> {
    const upload = () =>
      this.withCategoryRefresh(state, async () =>
        this.client.documents.uploadDocument({
          parentId: item.parentId,
          name: item.name,
          content: item.content,
          categories: await this.categoriesWithChecksum(state.flat, item.sha256),
        }),
      );
    let node: CsNode;
    try {
      node = await upload();
    } catch (err) {
      if (isDuplicate(err)) return undefined;
      if (!isAmbiguousCreateFailure(err)) throw err;
      // The upload may have been carried out although no answer arrived: look before sending it again.
      await sleep(this.options.ambiguousSettleMs);
      const found = await this.client.nodes.findChildByName(item.parentId, item.name);
      if (found) {
        requireDocument(found);
        if (!this.options.checksumAttribute || (await this.holdsSameContent(found, item.sha256))) {
          return this.finish(found, item, "created");
        }
        return undefined;
      }
      try {
        node = await upload();
      } catch (again) {
        if (isDuplicate(again)) return undefined;
        throw again;
      }
    }
    crashPoint("archive:uploaded");
    return this.finish(node, item, "created", { version: 1, fresh: true });
  }

  private async addVersion(existing: CsNode, item: PreparedItem, state: CategoryState): Promise<StoredItem> {
    const before = await this.client.documents.getLatestVersion(existing.id);
    const request = { content: item.content, description: `SHA-256 ${item.sha256}` };
    let versionNumber: number;
    try {
      versionNumber = (await this.client.documents.addVersion(existing.id, request)).versionNumber;
    } catch (err) {
      if (!isAmbiguousCreateFailure(err)) throw err;
      await sleep(this.options.ambiguousSettleMs);
      const latest = await this.client.documents.getLatestVersion(existing.id);
      const landed =
        latest.versionNumber > before.versionNumber &&
        (await this.contentSha256(existing.id, latest.versionNumber)) === item.sha256;
      versionNumber = landed
        ? latest.versionNumber
        : (await this.client.documents.addVersion(existing.id, request)).versionNumber;
    }
    await this.withCategoryRefresh(state, async () =>
      this.writeCategories(existing.id, await this.categoriesWithChecksum(state.flat, item.sha256)),
    );
    return this.finish(existing, item, "versioned", { version: versionNumber });
  }

  /** The first free `name (n).ext`, or an existing numbered item that already holds this content. */
  private async freeNumberedName(
    wantedName: string,
    item: PreparedItem,
  ): Promise<{ name: string } | { duplicate: CsNode }> {
    for (let n = 2; n <= MAX_NUMBERED_NAMES; n++) {
      const name = numberedName(wantedName, n, this.options.nameRules);
      const existing = await this.client.nodes.findChildByName(item.parentId, name);
      if (!existing) return { name };
      if (existing.type === DOCUMENT_TYPE && (await this.holdsSameContent(existing, item.sha256))) {
        return { duplicate: existing };
      }
    }
    throw new ArchiveError(`no free name for "${wantedName}" in ${item.parentId}`, true, "NO_FREE_NAME");
  }

  /** Records management, hold and checksum verification for a stored document; the result for msg.cs. */
  private async finish(
    node: CsNode,
    item: PreparedItem,
    outcome: ArchiveOutcome,
    how: { version?: number; verify?: boolean; fresh?: boolean } = {},
  ): Promise<StoredItem> {
    const version = how.version ?? (await this.client.documents.getLatestVersion(node.id)).versionNumber;
    if (this.options.rmClassification !== undefined) await this.ensureRmClassification(node.id, how.fresh === true);
    if (this.options.hold !== undefined) await this.ensureHold(node.id);
    if (this.options.verifyChecksum && how.verify !== false) {
      const stored = await this.contentSha256(node.id, version);
      if (stored !== item.sha256) {
        throw new ArchiveError(
          `checksum mismatch for "${item.name}" (node ${node.id} version ${version}): stored ${stored}, sent ${item.sha256}`,
          false,
          "CHECKSUM_MISMATCH",
        );
      }
    }
    return { nodeId: node.id, version, parentId: item.parentId, name: node.name, outcome, sha256: item.sha256 };
  }

  private async holdsSameContent(node: CsNode, sha256: string): Promise<boolean> {
    const key = await this.checksumKey();
    if (!key) return false;
    const category = await this.client.categories.getCategory(node.id, Number(key.split("_")[0]));
    const stored = category?.values[key];
    return typeof stored === "string" && stored.toLowerCase() === sha256.toLowerCase();
  }

  private async contentSha256(nodeId: number, version: number): Promise<string> {
    const download = await this.client.documents.downloadContent(nodeId, { version });
    return (await sha256OfStream(download.stream)).sha256;
  }

  private async checksumKey(): Promise<string | undefined> {
    const attribute = this.options.checksumAttribute;
    if (!attribute) return undefined;
    const resolved = await this.client.categories.resolveCategoryValues(attribute.category, {
      [attribute.attribute]: "",
    });
    return Object.keys(resolved.values)[0];
  }

  private async categoriesWithChecksum(flat: CategoryValues, sha256: string): Promise<CategoryValues> {
    const key = await this.checksumKey();
    return key ? { ...flat, [key]: sha256 } : { ...flat };
  }

  private async writeCategories(nodeId: number, flat: CategoryValues): Promise<void> {
    for (const [categoryId, values] of Object.entries(nestCategoryValues(flat))) {
      await this.client.categories.setCategoryValues(nodeId, Number(categoryId), values);
    }
  }

  /**
   * Runs a call that sends category keys; when CS refuses a key (category changed since its definition was read),
   * the cached definitions are dropped, the keys are resolved again from the values by name, and the call is
   * repeated once.
   */
  private async withCategoryRefresh<T>(state: CategoryState, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (state.refreshed || !isUnknownAttributeError(err)) throw err;
      state.refreshed = true;
      this.client.categories.clearCache();
      const categoryIds = Object.keys(nestCategoryValues(state.flat));
      if (state.metadata && categoryIds.length === 1) {
        const resolved = await this.client.categories.resolveCategoryValues(Number(categoryIds[0]), state.metadata);
        state.flat = { ...resolved.values };
      }
      return run();
    }
  }

  private async ensureRmClassification(nodeId: number, fresh: boolean): Promise<void> {
    const classificationId = await this.resolveRmClassification();
    if (fresh) return this.client.records.applyRmClassification(nodeId, classificationId, { rmMetadataToken: null });
    const current = await this.client.records.getRmClassifications(nodeId);
    if (current.classifications.some((c) => Number(c.rmclassification_id) === classificationId)) return;
    await this.client.records.applyRmClassification(nodeId, classificationId, {
      rmMetadataToken: current.rmMetadataToken ?? null,
    });
  }

  private async ensureHold(nodeId: number): Promise<void> {
    try {
      await this.client.records.applyHold(nodeId, await this.resolveHold());
    } catch (err) {
      if (!(err instanceof ContentServerError && /already/i.test(err.csMessage ?? ""))) throw err;
    }
  }

  private resolveRmClassification(): Promise<number> {
    this.rmClassificationId ??= cached(
      () => findRmClassification(this.client, this.options.rmClassification as string | number),
      () => (this.rmClassificationId = undefined),
    );
    return this.rmClassificationId;
  }

  private resolveHold(): Promise<number> {
    this.holdId ??= cached(
      async () => {
        const ref = this.options.hold as string | number;
        if (typeof ref === "number" || /^\d+$/.test(ref.trim())) return Number(ref);
        const hold = await this.client.records.findHoldByName(ref.trim());
        if (!hold) throw new ArchiveError(`no hold named "${ref}"`, true, "HOLD_NOT_FOUND");
        return hold.id;
      },
      () => (this.holdId = undefined),
    );
    return this.holdId;
  }
}

/** RM classification by id, or by exact name in the Classifications volume (RM Classification or Classification). */
async function findRmClassification(client: ContentServerClient, ref: string | number): Promise<number> {
  if (typeof ref === "number" || /^\d+$/.test(ref.trim())) return Number(ref);
  const name = ref.trim();
  const found = await client.records.findClassificationByName(name);
  if (!found) {
    throw new ArchiveError(
      `no RM classification named "${name}" in the Classifications volume`,
      true,
      "RM_CLASSIFICATION_NOT_FOUND",
    );
  }
  return found.id;
}

/** A shared lookup that is forgotten when it fails, so the next message tries again. */
function cached<T>(load: () => Promise<T>, forget: () => void): Promise<T> {
  const promise = load();
  promise.catch(forget);
  return promise;
}

/**
 * SHA-256 and size of the content; empty content is refused: a zero-byte rendition is a failed one, not a record.
 * A file whose size and modification time are those of a digest taken earlier (the output watch's) is not read again:
 * as the content gives them when its caller has just looked (cs-archive's allowed-folder check), else looked up now.
 */
async function digest(content: DocumentContent, known?: KnownDigest): Promise<{ sha256: string; size: number }> {
  const reused = known && "path" in content ? await unchangedDigest(content, known) : undefined;
  const measured = reused ?? (await measure(content));
  if (measured.size === 0) {
    const what = "buffer" in content ? "the message payload" : content.path;
    throw new ArchiveError(`${what} is empty (0 bytes)`, true, "EMPTY_CONTENT");
  }
  return measured;
}

/**
 * The digest a `msg.document` (or one of its `related` renditions) carries for its file: `sha256`, `size` and
 * `mtimeMs`, as the output watch records them; undefined when one is missing.
 */
export function knownDigestOf(rendition: Record<string, unknown>): KnownDigest | undefined {
  const { sha256, size, mtimeMs } = rendition;
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/i.test(sha256)) return undefined;
  if (typeof size !== "number" || typeof mtimeMs !== "number") return undefined;
  return { sha256, size, mtimeMs };
}

async function unchangedDigest(
  content: { path: string; size?: number; mtimeMs?: number },
  known: KnownDigest,
): Promise<{ sha256: string; size: number } | undefined> {
  const { size, mtimeMs } = content;
  const facts =
    size !== undefined && mtimeMs !== undefined
      ? { isFile: true, size, mtimeMs }
      : await fileFacts(content.path).catch(() => undefined);
  const unchanged = facts?.isFile && facts.size === known.size && facts.mtimeMs === known.mtimeMs;
  return unchanged ? { sha256: known.sha256.toLowerCase(), size: known.size } : undefined;
}

async function measure(content: DocumentContent): Promise<{ sha256: string; size: number }> {
  if ("buffer" in content) return sha256OfBuffer(content.buffer);
  try {
    return await sha256OfFile(content.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ArchiveError(
      `cannot read ${content.path}: ${code === "ENOENT" ? "no such file" : ((err as Error).message ?? code)}`,
      code === "ENOENT" || code === "EISDIR" || code === "EACCES",
      "FILE_UNREADABLE",
    );
  }
}

function isDuplicate(err: unknown): boolean {
  return err instanceof ContentServerError && err.isDuplicate;
}

function requireDocument(node: CsNode): void {
  if (node.type !== DOCUMENT_TYPE) {
    throw new ArchiveError(
      `"${node.name}" exists in ${node.parentId} but is not a document (node ${node.id}, type ${node.type})`,
      true,
      "NOT_A_DOCUMENT",
    );
  }
}
