/**
 * What a ledger keeps in memory per item: its id, state, attempt count, time of the last change and where its records
 * lie in the journal — about forty bytes in typed arrays besides the id — never the item itself, which is read back
 * from the journal when asked for. A backlog of 200,000 items thus costs megabytes, not the items' size.
 */
import type { Span } from "./journal-file";

export type LedgerState = "pending" | "in-flight" | "done" | "dead";

const STATES: readonly LedgerState[] = ["pending", "in-flight", "done", "dead"];
const NONE = -1;
const INITIAL_CAPACITY = 256;

/** An item as the index knows it. */
export interface IndexEntry {
  id: string;
  state: LedgerState;
  attempts: number;
  updatedAt: number;
  /** The record holding the item. */
  item: Span;
  /** The record holding the latest reason or outcome, if any. */
  detail?: Span;
  /**
   * `item` is a line that still says all there is — a snapshot, or the item's add record, with no change since:
   * compaction copies it byte for byte (a backlog is not parsed and written anew on every compaction).
   */
  current?: boolean;
}

export class LedgerIndex {
  private readonly slots = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  /** Ids per state, in the order they entered it (done ones are not listed: they are the rest). */
  private readonly listed: Record<Exclude<LedgerState, "done">, Set<string>> = {
    pending: new Set(),
    "in-flight": new Set(),
    dead: new Set(),
  };
  private capacity = 0;
  private used = 0;
  private state = new Uint8Array(0);
  private attempts = new Uint32Array(0);
  private updatedAt = new Float64Array(0);
  private itemOffset = new Float64Array(0);
  private itemLength = new Uint32Array(0);
  private detailOffset = new Float64Array(0);
  private detailLength = new Uint32Array(0);
  private current = new Uint8Array(0);

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  get(id: string): IndexEntry | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    const detail = this.detailOffset[slot];
    return {
      id,
      state: STATES[this.state[slot]],
      attempts: this.attempts[slot],
      updatedAt: this.updatedAt[slot],
      item: { offset: this.itemOffset[slot], length: this.itemLength[slot] },
      ...(detail === NONE ? {} : { detail: { offset: detail, length: this.detailLength[slot] } }),
      current: this.current[slot] === 1,
    };
  }

  stateOf(id: string): LedgerState | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : STATES[this.state[slot]];
  }

  /** Records an item (new, or replacing what was known of it). */
  put(entry: IndexEntry): void {
    let slot = this.slots.get(entry.id);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.newSlot();
      this.slots.set(entry.id, slot);
    } else {
      this.unlist(entry.id, slot);
    }
    this.state[slot] = STATES.indexOf(entry.state);
    this.attempts[slot] = entry.attempts;
    this.updatedAt[slot] = entry.updatedAt;
    this.itemOffset[slot] = entry.item.offset;
    this.itemLength[slot] = entry.item.length;
    this.setDetail(slot, entry.detail);
    this.current[slot] = entry.current ? 1 : 0;
    this.list(entry.id, slot);
  }

  /**
   * Changes a known item; `detail: null` forgets its reason or outcome. A new `item` place is a line written by
   * compaction (current); any other change makes the item's line stale.
   */
  update(
    id: string,
    change: { state?: LedgerState; attempts?: number; updatedAt: number; detail?: Span | null; item?: Span },
  ): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    if (change.state !== undefined) {
      this.unlist(id, slot);
      this.state[slot] = STATES.indexOf(change.state);
      this.list(id, slot);
    }
    if (change.attempts !== undefined) this.attempts[slot] = change.attempts;
    this.updatedAt[slot] = change.updatedAt;
    if (change.detail !== undefined) this.setDetail(slot, change.detail ?? undefined);
    if (change.item) {
      this.itemOffset[slot] = change.item.offset;
      this.itemLength[slot] = change.item.length;
    }
    this.current[slot] = change.item ? 1 : 0;
  }

  delete(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    this.unlist(id, slot);
    this.slots.delete(id);
    this.freeSlots.push(slot);
  }

  /** Ids in a state, oldest first for the listed states; safe to change states while iterating. */
  *ids(state?: LedgerState): Generator<string> {
    if (state && state !== "done") {
      yield* this.listed[state];
      return;
    }
    for (const [id, slot] of this.slots) if (!state || STATES[this.state[slot]] === state) yield id;
  }

  counts(): Record<LedgerState, number> {
    const pending = this.listed.pending.size;
    const inFlight = this.listed["in-flight"].size;
    const dead = this.listed.dead.size;
    return { pending, "in-flight": inFlight, done: this.slots.size - pending - inFlight - dead, dead };
  }

  /** Lists the states again in id order (after a replay that changed many states at once). */
  relist(): void {
    for (const ids of Object.values(this.listed)) ids.clear();
    for (const [id, slot] of this.slots) this.list(id, slot);
  }

  private setDetail(slot: number, detail: Span | undefined): void {
    this.detailOffset[slot] = detail ? detail.offset : NONE;
    this.detailLength[slot] = detail ? detail.length : 0;
  }

  private list(id: string, slot: number): void {
    const state = STATES[this.state[slot]];
    if (state !== "done") this.listed[state].add(id);
  }

  private unlist(id: string, slot: number): void {
    const state = STATES[this.state[slot]];
    if (state !== "done") this.listed[state].delete(id);
  }

  private newSlot(): number {
    if (this.used === this.capacity) this.grow(Math.max(INITIAL_CAPACITY, this.capacity * 2));
    return this.used++;
  }

  private grow(capacity: number): void {
    const grown = <A extends Uint8Array | Uint32Array | Float64Array>(old: A, make: (n: number) => A): A => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.state = grown(this.state, (n) => new Uint8Array(n));
    this.attempts = grown(this.attempts, (n) => new Uint32Array(n));
    this.updatedAt = grown(this.updatedAt, (n) => new Float64Array(n));
    this.itemOffset = grown(this.itemOffset, (n) => new Float64Array(n));
    this.itemLength = grown(this.itemLength, (n) => new Uint32Array(n));
    this.detailOffset = grown(this.detailOffset, (n) => new Float64Array(n));
    this.detailLength = grown(this.detailLength, (n) => new Uint32Array(n));
    this.current = grown(this.current, (n) => new Uint8Array(n));
    this.capacity = capacity;
  }
}
