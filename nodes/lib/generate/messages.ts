import type { CommunicationDocument } from "../exstream";
import { isCommunicationId, type ResolvedTarget } from "./communication-bindings";
import type { OnDemandRun } from "./runs";
import type { GeneratedExstream } from "./types";

/** A generated communication's message fields: the primary rendition is its file or its bytes, never both. */
export interface GeneratedFields {
  filename?: string;
  payload?: Buffer;
  document: CommunicationDocument;
  exstream: GeneratedExstream;
}

/** The fields of an on-demand answer: the primary rendition as its file (`filename`) or its bytes (`payload`). */
export function onDemandFields(
  run: OnDemandRun,
  { communicationId, communicationName }: ResolvedTarget,
): GeneratedFields {
  return {
    ...(run.primary.filename ? { filename: run.primary.filename } : { payload: run.primary.content }),
    document: run.document,
    exstream: {
      communicationId,
      communicationName,
      ...(run.jobId ? { jobId: run.jobId, flowInstanceId: run.flowInstanceId } : {}),
      outputs: run.outputs,
    },
  };
}

/**
 * The fields of one customer's message of a batch run. The communication's id comes from the manifest keys, else
 * from the configured communication when that is an id.
 */
export function batchDocumentFields(
  document: CommunicationDocument,
  job: { jobId: string; flowInstanceId: string },
  channel: string,
  communication = "",
): GeneratedFields {
  return {
    filename: document.path,
    document,
    exstream: {
      communicationId: document.keys.CommunicationId ?? (isCommunicationId(communication) ? communication : ""),
      communicationName: communication,
      jobId: job.jobId,
      flowInstanceId: job.flowInstanceId,
      channel,
    },
  };
}

/** Sets the fields on a message, removing the `payload` or `filename` the fields replace. */
export function withFields<M extends { payload?: unknown; filename?: string }>(
  msg: M,
  fields: GeneratedFields,
): M & GeneratedFields {
  if ("filename" in fields) delete msg.payload;
  else delete msg.filename;
  return Object.assign(msg, fields);
}
