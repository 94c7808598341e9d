/*
 * Composition: template + chosen content blocks + driver data → a channel-neutral document (headings, paragraphs,
 * messages, disclaimers, images) that the PDF, HTML and SMS renderers lay out. Block choice is memoised per customer so
 * every channel of one customer carries the same variant.
 */
import type { ChosenBlock, EngineBlock, EngineChannel, EngineCommunication, VariantSelection } from "./model";
import { fillBlocks, fillFields, parseTemplate, referencedBlockNames, type TemplateParagraph } from "./template";
import { blockKey, chooseBlock, describeVariant, indexBlocksByName, type CustomerProfile } from "./variants";

export type ImageMimeType = "image/png" | "image/jpeg";

export type ComposedPart =
  | { kind: "heading"; text: string }
  | { kind: "text"; text: string }
  | { kind: "message" | "disclaimer"; text: string; blockName: string }
  | { kind: "image"; data: Buffer; mimeType: ImageMimeType; blockName: string };

export interface ComposedDocument {
  title: string;
  language: string;
  /** A brand image shown at the top when the template places no image itself. */
  letterhead?: Extract<ComposedPart, { kind: "image" }>;
  parts: ComposedPart[];
  variant: VariantSelection;
}

/** Chooses each block once per customer, whatever the number of channels and references. */
export class BlockChooser {
  private readonly byName: Map<string, EngineBlock[]>;
  private readonly images: EngineBlock[];
  private readonly cache = new Map<string, { block: EngineBlock; chosen: ChosenBlock } | null>();
  private letterheadChoice: { block: EngineBlock; chosen: ChosenBlock } | null | undefined;

  constructor(
    blocks: readonly EngineBlock[],
    readonly profile: CustomerProfile,
  ) {
    this.byName = indexBlocksByName(blocks);
    this.images = blocks.filter((b) => b.type === "image" && imageMimeType(b.content) !== undefined);
  }

  choose(name: string): { block: EngineBlock; chosen: ChosenBlock } | undefined {
    const key = blockKey(name);
    let hit = this.cache.get(key);
    if (hit === undefined) {
      hit = chooseBlock(this.byName.get(key) ?? [], this.profile) ?? null;
      this.cache.set(key, hit);
    }
    return hit ?? undefined;
  }

  /** The best-fitting image among all image blocks (used only when the template references no image). */
  letterhead(): { block: EngineBlock; chosen: ChosenBlock } | undefined {
    if (this.letterheadChoice === undefined) this.letterheadChoice = chooseBlock(this.images, this.profile) ?? null;
    return this.letterheadChoice ?? undefined;
  }
}

export function composeDocument(
  comm: EngineCommunication,
  channel: EngineChannel,
  customer: Record<string, unknown>,
  chooser: BlockChooser,
): ComposedDocument {
  const paragraphs = parseTemplate(comm.channelTemplates?.[channel] ?? comm.template);
  const used = new Map<string, ChosenBlock>();
  const missing: string[] = [];
  // Images only count as used where they can be placed: standalone paragraphs outside SMS.
  const use = (name: string, placesImages: boolean): EngineBlock | undefined => {
    const hit = chooser.choose(name);
    if (!hit) {
      if (!missing.includes(name)) missing.push(name);
      return undefined;
    }
    if (hit.block.type === "image" && !placesImages) return undefined;
    used.set(hit.chosen.id, hit.chosen);
    return hit.block;
  };
  const textOf = (name: string): string => {
    const block = use(name, false);
    return block ? fillFields(block.content.toString("utf8").trim(), customer) : "";
  };

  const parts: ComposedPart[] = [];
  for (const p of paragraphs) parts.push(...composeParagraph(p, customer, use, textOf, channel));
  const firstHeading = parts.find((p) => p.kind === "heading");
  const title = firstHeading && firstHeading.kind === "heading" ? firstHeading.text : comm.name;

  let letterhead: ComposedDocument["letterhead"];
  const placesImage = parts.some((p) => p.kind === "image");
  if (channel !== "sms" && !placesImage) {
    const hit = chooser.letterhead();
    const mimeType = hit && imageMimeType(hit.block.content);
    if (hit && mimeType) {
      letterhead = { kind: "image", data: hit.block.content, mimeType, blockName: hit.block.name };
      used.set(hit.chosen.id, hit.chosen);
    }
  }

  // Keep content-version evidence in template order: the order blocks were referenced, letterhead last.
  const order = referencedBlockNames(paragraphs).map(blockKey);
  const chosen = [...used.values()].sort((a, b) => rank(order, a.name) - rank(order, b.name));
  return {
    title,
    language: chooser.profile.language,
    letterhead,
    parts,
    variant: describeVariant(chooser.profile, chosen, missing),
  };
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(blockKey(name));
  return i < 0 ? order.length : i;
}

function composeParagraph(
  p: TemplateParagraph,
  customer: Record<string, unknown>,
  use: (name: string, placesImages: boolean) => EngineBlock | undefined,
  textOf: (name: string) => string,
  channel: EngineChannel,
): ComposedPart[] {
  if (p.kind === "heading") return [{ kind: "heading", text: fillFields(fillBlocks(p.text, textOf), customer) }];
  if (p.kind === "text") return [{ kind: "text", text: fillFields(fillBlocks(p.text, textOf), customer) }];
  const block = use(p.blockName, channel !== "sms");
  if (!block) return [];
  if (block.type === "image") {
    const mimeType = imageMimeType(block.content);
    return mimeType ? [{ kind: "image", data: block.content, mimeType, blockName: block.name }] : [];
  }
  return blockTextParts(block, p.blockName, customer);
}

function blockTextParts(block: EngineBlock, blockName: string, customer: Record<string, unknown>): ComposedPart[] {
  const kind = block.type === "disclaimer" ? "disclaimer" : "message";
  return fillFields(block.content.toString("utf8"), customer)
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((t) => t.trim())
    .filter((t) => t !== "")
    .map((text) => ({ kind, text, blockName }));
}

/** PDF and e-mail clients both take PNG and JPEG; anything else is not placed. */
export function imageMimeType(data: Buffer): ImageMimeType | undefined {
  if (data.length > 8 && data.readUInt32BE(0) === 0x89504e47) return "image/png";
  if (data.length > 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "image/jpeg";
  return undefined;
}
