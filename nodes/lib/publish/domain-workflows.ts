import { cachedPromise } from "../cached-promise";
import type { PublishWorkflow } from "../exstream";

/**
 * The approval workflow of each domain: the configured one, else the one the domain runs, detected once per domain.
 * A failed detection is not kept, so the next message asks again.
 */
export class DomainWorkflows {
  private readonly known = new Map<string, Promise<PublishWorkflow>>();

  constructor(
    /** `standard` or `simple`; anything else (`auto`) asks the domain. */
    private readonly setting: string | undefined,
    private readonly detect: (domain: string) => Promise<PublishWorkflow>,
  ) {}

  of(domain: string): Promise<PublishWorkflow> {
    if (this.setting === "standard" || this.setting === "simple") return Promise.resolve(this.setting);
    return cachedPromise(this.known, domain, () => this.detect(domain));
  }

  clear(): void {
    this.known.clear();
  }
}
