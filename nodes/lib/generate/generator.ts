import type { DriverData, ExstreamClient } from "../exstream";
import { CommunicationBindings } from "./communication-bindings";
import { batchDocumentFields, onDemandFields, type GeneratedFields } from "./messages";
import { runBatch, runOnDemand } from "./runs";
import type { RunOptions } from "./types";

export interface OnDemandRequest {
  /** The communication's name, or its id (then with `driverDataSource`, no lookup is needed). */
  communication: string;
  driverDataSource?: string;
  driver: DriverData;
}

export interface BatchRequest {
  channel: string;
  /** Named in each message's msg.exstream (its id too, when it is one and the manifest keys lack it). */
  communication?: string;
  body: DriverData;
}

/** A generate node's use case: on-demand calls and batch runs on one connection, answered as message fields. */
export class Generator {
  private readonly bindings: CommunicationBindings;

  constructor(
    private readonly client: () => ExstreamClient,
    private readonly options: RunOptions,
  ) {
    this.bindings = new CommunicationBindings((communication) => client().resolveCommunication(communication));
  }

  /** The fields of the answer, and why manifest keys could not be read (the call itself succeeded). */
  async onDemand({ communication, driverDataSource, driver }: OnDemandRequest) {
    const target = await this.bindings.targetFor(communication, driverDataSource);
    const run = await runOnDemand(this.client(), target, driver, this.options).catch((err: unknown) => {
      this.bindings.forget(communication);
      return Promise.reject(err);
    });
    return { fields: onDemandFields(run, target), keysProblem: run.keysProblem };
  }

  /** Hands each customer's message fields to `onDocument`; answers how many customers the run had. */
  async batch(
    { channel, communication, body }: BatchRequest,
    hooks: { onSubmitted(): void; onDocument(fields: GeneratedFields): void },
  ): Promise<number> {
    const run = await runBatch(this.client(), channel, body, this.options, {
      onSubmitted: () => hooks.onSubmitted(),
      onDocument: (document, job) => hooks.onDocument(batchDocumentFields(document, job, channel, communication)),
    });
    return run.customers;
  }

  close(): void {
    this.bindings.clear();
  }
}
