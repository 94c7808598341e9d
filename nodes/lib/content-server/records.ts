import { ContentServerError } from "./errors";
import { asArray, asRecord, toNumber, toStringValue, v2Results, type Json } from "./envelopes";
import { bodyField, type Transport } from "./http";
import { positiveId } from "./nodes";
import type { CreateHoldRequest, CsNode, Hold, RecordDetails, RmClassificationInfo } from "./types";
import { VolumeType, type VolumesApi } from "./volumes";

/** Subtypes in the Classifications volume: trees hold classifications, which may hold more (pyxecm ITEM_TYPE_*). */
const CLASSIFICATION_TREE_TYPE = 196;
const CLASSIFICATION_TYPE = 199;
const RM_CLASSIFICATION_TYPE = 551;
/** The kinds of classification an item can be given: an RM Classification or a Classification. */
export const RM_CLASSIFICATION_TYPES: readonly number[] = [RM_CLASSIFICATION_TYPE, CLASSIFICATION_TYPE];

/** Records management: RM classification and record details (retention via RSI), legal holds. */
export class RecordsApi {
  constructor(
    private readonly transport: Transport,
    private readonly volumes: VolumesApi,
  ) {}

  /**
   * The classification named `name` in the Classifications volume: an RM Classification (551) or a Classification
   * (199) — file plans hold either, depending on the installation. Undefined when there is none.
   */
  findClassificationByName(name: string): Promise<CsNode | undefined> {
    return this.volumes.findByName({
      volumeType: VolumeType.Classifications,
      name: name.trim(),
      types: RM_CLASSIFICATION_TYPES,
      containerTypes: [CLASSIFICATION_TREE_TYPE, CLASSIFICATION_TYPE, RM_CLASSIFICATION_TYPE],
    });
  }

  async getRmClassifications(nodeId: number): Promise<RmClassificationInfo> {
    const response = await this.transport.json({
      operation: "getRmClassifications",
      method: "GET",
      path: `api/v1/nodes/${positiveId(nodeId, "getRmClassifications")}/rmclassifications`,
    });
    const raw = asRecord(response.data);
    return {
      classifications: asArray(raw.data).map(asRecord),
      rmMetadataToken: toStringValue(raw.rm_metadataToken),
      raw,
    };
  }

  /**
   * Applies an RM classification. CS wants the current `rm_metadataToken` when one is already set, so the node's
   * RM data is read first, unless the caller passes the token or `null`: the node has no RM classification yet (a
   * document just created), so none is needed (PYX `assign_rm_classification`: "required if changing an RM
   * Classification to another, otherwise not required").
   */
  async applyRmClassification(
    nodeId: number,
    rmClassificationId: number,
    options: { applyToSubItems?: boolean; rmMetadataToken?: string | null } = {},
  ): Promise<void> {
    const id = positiveId(nodeId, "applyRmClassification");
    const token =
      options.rmMetadataToken === null
        ? undefined
        : (options.rmMetadataToken ?? (await this.getRmClassifications(id)).rmMetadataToken);
    await this.transport.json({
      operation: "applyRmClassification",
      method: "POST",
      path: `api/v1/nodes/${id}/rmclassifications`,
      form: bodyField({
        class_id: positiveId(rmClassificationId, "applyRmClassification"),
        apply_to_sub_items: options.applyToSubItems ?? false,
        ...(token ? { rm_metadataToken: token } : {}),
      }),
    });
  }

  /** Updates record details (RSI, status, essential, storage, official, dates) with the current token. */
  async updateRecordDetails(nodeId: number, details: RecordDetails, rmMetadataToken?: string): Promise<void> {
    const id = positiveId(nodeId, "updateRecordDetails");
    const token = rmMetadataToken ?? (await this.getRmClassifications(id)).rmMetadataToken;
    const { fileStatus, recordDate, statusDate, ...rest } = details;
    const body: Json = {
      ...rest,
      file_status: fileStatus,
      record_date: recordDate,
      status_date: statusDate,
      ...(token ? { rm_metadataToken: token } : {}),
    };
    await this.transport.json({
      operation: "updateRecordDetails",
      method: "PUT",
      path: `api/v1/nodes/${id}/rmclassifications`,
      form: bodyField(body),
    });
  }

  async listHolds(): Promise<Hold[]> {
    const response = await this.transport.json({ operation: "listHolds", method: "GET", path: "api/v2/holds" });
    return asArray(asRecord(v2Results(response.data).data).holds)
      .map(asRecord)
      .map(toHold);
  }

  async findHoldByName(name: string): Promise<Hold | undefined> {
    const holds = await this.listHolds();
    return holds.find((h) => h.name === name) ?? holds.find((h) => h.name.toLowerCase() === name.toLowerCase());
  }

  /**
   * Creates a hold (plain form fields) and returns its id; `date_applied` defaults to now (UTC, without zone suffix,
   * as pyxecm sends it). Not repeated after an ambiguous failure.
   */
  async createHold(request: CreateHoldRequest): Promise<number> {
    const response = await this.transport.json({
      operation: "createHold",
      method: "POST",
      path: "api/v1/holds",
      form: {
        name: request.name,
        type: request.type,
        comment: request.comment,
        date_applied: request.dateApplied ?? new Date().toISOString().slice(0, 19),
        date_to_remove: request.dateToRemove,
        alternate_id: request.alternateId,
        parent_id: request.parentId,
      },
    });
    const data = asRecord(response.data);
    const id = toNumber(data.holdID) ?? toNumber(data.hold_id) ?? toNumber(data.id);
    if (id === undefined) {
      throw new ContentServerError({ operation: "createHold", code: "BAD_RESPONSE", message: "createHold: no holdID" });
    }
    return id;
  }

  /** The hold by name, created when missing (a concurrent creator's hold is found on the second look). */
  async ensureHold(request: CreateHoldRequest): Promise<Hold> {
    const existing = await this.findHoldByName(request.name);
    if (existing) return existing;
    try {
      const id = await this.createHold(request);
      return { id, name: request.name, type: request.type, comment: request.comment, active: true, raw: {} };
    } catch (err) {
      const again = await this.findHoldByName(request.name);
      if (again) return again;
      throw err;
    }
  }

  async applyHold(nodeId: number, holdId: number): Promise<void> {
    await this.transport.json({
      operation: "applyHold",
      method: "POST",
      path: `api/v1/nodes/${positiveId(nodeId, "applyHold")}/holds`,
      form: bodyField({ hold_id: positiveId(holdId, "applyHold") }),
    });
  }
}

function toHold(raw: Json): Hold {
  const active = raw.ActiveHold;
  return {
    id: toNumber(raw.HoldID) ?? 0,
    name: toStringValue(raw.HoldName) ?? "",
    type: toStringValue(raw.HoldType),
    comment: toStringValue(raw.HoldComment),
    active: typeof active === "boolean" ? active : active === undefined ? undefined : String(active) !== "0",
    raw,
  };
}
