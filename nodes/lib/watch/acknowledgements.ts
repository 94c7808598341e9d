import type { AckResult } from "./output-watch-ledger";
import type { OutputWatcher } from "./output-watcher";

/** What comes back to the watch: cs-archive's answer (success) or a Catch node's report (failure). */
export interface Acknowledgement {
  document?: { id?: unknown };
  cs?: unknown;
  error?: { message?: string; source?: { id?: string } };
  failure?: { reason?: unknown; permanent?: unknown };
}

/** The communication an acknowledgement is about; "" when it names none. */
export function acknowledgedId(ack: Acknowledgement): string {
  return typeof ack.document?.id === "string" ? ack.document.id : "";
}

/** A failure is permanent only when it says so; a success records what downstream answered (`msg.cs`). */
export function recordAcknowledgement(
  watcher: Pick<OutputWatcher, "acknowledge" | "fail">,
  id: string,
  ack: Acknowledgement,
): Promise<AckResult> {
  return ack.error
    ? watcher.fail(id, failureReason(ack), ack.failure?.permanent === true)
    : watcher.acknowledge(id, ack.cs ?? true);
}

function failureReason(ack: Acknowledgement): string {
  const reason = ack.failure?.reason;
  if (typeof reason === "string" && reason) return reason;
  return ack.error?.message || "failed downstream";
}
