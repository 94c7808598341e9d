import type { CommunicationDocument, DeadLetter } from "./types";

/**
 * The fields of the watch's first output: one customer communication (or one file in per-file mode). A copy:
 * downstream nodes may change msg.document, the ledger's record must not change with it.
 */
export function communicationFields(document: CommunicationDocument, attempt: number) {
  const copy = structuredClone(document);
  return {
    topic: `${copy.job.jobId}/${copy.customerNumber}`,
    filename: copy.path,
    payload: { ...copy.keys },
    document: { ...copy, attempt },
  };
}

/** The fields of the second output: a communication after its last attempt, or a manifest that never became readable. */
export function deadLetterFields({ kind, id, reason, attempts, document, manifest }: DeadLetter) {
  return {
    topic: document ? `${document.job.jobId}/${document.customerNumber}` : id,
    payload: reason,
    deadLetter: { kind, id, reason, attempts },
    ...(document ? { document: { ...structuredClone(document), attempt: attempts } } : {}),
    ...(document?.path ? { filename: document.path } : {}),
    ...(manifest ? { manifest: { ...manifest } } : {}),
  };
}
