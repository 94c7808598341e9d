/**
 * What a ledger keeps in memory per item, all in typed arrays: 128 bits of the SHA-256 of its id (the id itself is
 * read back from the journal when asked for), state, attempt count, time of the last change and where its records
 * lie in the journal (54 bytes a slot), plus its place in an open-addressing table (8–16 bytes); never the item nor
 * its id (ids of real communications are over a hundred characters). Items waiting in a state are listed in the order
 * they entered it (sets of slot numbers). With the slack of growing by doubling, about 110 bytes per item at 200,000
 * (typed arrays and heap together), almost none of it traced by the garbage collector.
 */
import { createHash } from "node:crypto";
import type { Span } from "./journal-file";

export type LedgerState = "pending" | "in-flight" | "done" | "dead";
type ListedState = Exclude<LedgerState, "done">;

const STATES: readonly LedgerState[] = ["pending", "in-flight", "done", "dead"];
const FREE = 255;
const NONE = -1;
const INITIAL_CAPACITY = 256;
/** 128 bits of the id's SHA-256: two ids that collide are as likely as a guessed random UUID (never, in practice). */
const KEY_WORDS = 4;

/** An item as the index knows it. */
export interface IndexEntry {
  state: LedgerState;
  attempts: number;
  updatedAt: number;
  /** The record holding the item (and its id). */
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
  private readonly freeSlots: number[] = [];
  /** Slots per state, in the order they entered it (done ones are not listed: they are the rest). */
  private readonly listed: Record<ListedState, Set<number>> = {
    pending: new Set(),
    "in-flight": new Set(),
    dead: new Set(),
  };
  private capacity = 0;
  private used = 0;
  private live = 0;
  private keys = new Uint32Array(0);
  private state = new Uint8Array(0);
  private attempts = new Uint32Array(0);
  private updatedAt = new Float64Array(0);
  private itemOffset = new Float64Array(0);
  private itemLength = new Uint32Array(0);
  private detailOffset = new Float64Array(0);
  private detailLength = new Uint32Array(0);
  private current = new Uint8Array(0);
  /** Linear probing: slot + 1 at the id's place, 0 = empty; at most half full. */
  private table = new Int32Array(0);
  private lastId: string | undefined;
  private lastKey = new Uint32Array(KEY_WORDS);

  /** `readId` reads an item's id from its record in the journal. */
  constructor(private readonly readId: (item: Span) => string) {}

  get size(): number {
    return this.live;
  }

  has(id: string): boolean {
    return this.slotOf(id) !== undefined;
  }

  get(id: string): IndexEntry | undefined {
    const slot = this.slotOf(id);
    return slot === undefined ? undefined : this.at(slot);
  }

  stateOf(id: string): LedgerState | undefined {
    const slot = this.slotOf(id);
    return slot === undefined ? undefined : STATES[this.state[slot]];
  }

  /** Records an item (new, or replacing what was known of it). */
  put(id: string, entry: IndexEntry): void {
    let slot = this.slotOf(id);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.newSlot();
      this.keys.set(this.keyOf(id), slot * KEY_WORDS);
      this.state[slot] = STATES.indexOf(entry.state);
      this.live++;
      if (this.live * 2 > this.table.length) this.rehash(Math.max(INITIAL_CAPACITY * 2, this.table.length * 2));
      else this.insert(slot);
    } else {
      this.unlist(slot);
      this.state[slot] = STATES.indexOf(entry.state);
    }
    this.attempts[slot] = entry.attempts;
    this.updatedAt[slot] = entry.updatedAt;
    this.setItem(slot, entry.item);
    this.setDetail(slot, entry.detail);
    this.current[slot] = entry.current ? 1 : 0;
    this.list(slot);
  }

  /**
   * Changes a known item; `detail: null` forgets its reason or outcome. A new `item` place is a line written by
   * compaction (current); any other change makes the item's line stale.
   */
  update(
    id: string,
    change: { state?: LedgerState; attempts?: number; updatedAt: number; detail?: Span | null; item?: Span },
  ): void {
    const slot = this.slotOf(id);
    if (slot !== undefined) this.change(slot, change);
  }

  delete(id: string): void {
    const slot = this.slotOf(id);
    if (slot !== undefined) this.free(slot);
  }

  /** Slots in a state (all live ones without one), oldest first for the listed states; changing states is allowed. */
  *slots(state?: LedgerState): Generator<number> {
    if (state && state !== "done") {
      yield* this.listed[state];
      return;
    }
    const wanted = state ? STATES.indexOf(state) : undefined;
    for (let slot = 0; slot < this.used; slot++) {
      const s = this.state[slot];
      if (s !== FREE && (wanted === undefined || s === wanted)) yield slot;
    }
  }

  /** Ids in a state, like `slots`; each id is read from the journal. */
  *ids(state?: LedgerState): Generator<string> {
    for (const slot of this.slots(state)) yield this.idAt(slot);
  }

  /** The id of the item in `slot`, read from the journal. */
  idAt(slot: number): string {
    return this.readId({ offset: this.itemOffset[slot], length: this.itemLength[slot] });
  }

  /** The state of the item in `slot`; undefined when the slot holds none (any more). */
  stateAt(slot: number): LedgerState | undefined {
    return slot < this.used ? STATES[this.state[slot]] : undefined;
  }

  at(slot: number): IndexEntry {
    const detail = this.detailOffset[slot];
    return {
      state: STATES[this.state[slot]],
      attempts: this.attempts[slot],
      updatedAt: this.updatedAt[slot],
      item: { offset: this.itemOffset[slot], length: this.itemLength[slot] },
      ...(detail === NONE ? {} : { detail: { offset: detail, length: this.detailLength[slot] } }),
      current: this.current[slot] === 1,
    };
  }

  /** Changes the item in `slot`, as `update` does. */
  change(
    slot: number,
    change: { state?: LedgerState; attempts?: number; updatedAt: number; detail?: Span | null; item?: Span },
  ): void {
    if (change.state !== undefined) {
      this.unlist(slot);
      this.state[slot] = STATES.indexOf(change.state);
      this.list(slot);
    }
    if (change.attempts !== undefined) this.attempts[slot] = change.attempts;
    this.updatedAt[slot] = change.updatedAt;
    if (change.detail !== undefined) this.setDetail(slot, change.detail ?? undefined);
    if (change.item) this.setItem(slot, change.item);
    this.current[slot] = change.item ? 1 : 0;
  }

  /** Forgets the item in `slot`. */
  free(slot: number): void {
    this.unlist(slot);
    this.remove(slot);
    this.state[slot] = FREE;
    this.live--;
    this.freeSlots.push(slot);
  }

  counts(): Record<LedgerState, number> {
    const pending = this.listed.pending.size;
    const inFlight = this.listed["in-flight"].size;
    const dead = this.listed.dead.size;
    return { pending, "in-flight": inFlight, done: this.live - pending - inFlight - dead, dead };
  }

  /** Lists the states again in slot order, which a replay fills in the journal's order. */
  relist(): void {
    for (const slots of Object.values(this.listed)) slots.clear();
    for (let slot = 0; slot < this.used; slot++) if (this.state[slot] !== FREE) this.list(slot);
  }

  private setItem(slot: number, item: Span): void {
    this.itemOffset[slot] = item.offset;
    this.itemLength[slot] = item.length;
  }

  private setDetail(slot: number, detail: Span | undefined): void {
    this.detailOffset[slot] = detail ? detail.offset : NONE;
    this.detailLength[slot] = detail ? detail.length : 0;
  }

  private list(slot: number): void {
    const state = STATES[this.state[slot]];
    if (state !== "done") this.listed[state].add(slot);
  }

  private unlist(slot: number): void {
    const state = STATES[this.state[slot]];
    if (state !== "done") this.listed[state].delete(slot);
  }

  private keyOf(id: string): Uint32Array {
    if (id !== this.lastId) {
      const digest = createHash("sha256").update(id).digest();
      for (let w = 0; w < KEY_WORDS; w++) this.lastKey[w] = digest.readUInt32LE(w * 4);
      this.lastId = id;
    }
    return this.lastKey;
  }

  private slotOf(id: string): number | undefined {
    if (this.live === 0) return undefined;
    const key = this.keyOf(id);
    const mask = this.table.length - 1;
    for (let at = key[0] & mask; ; at = (at + 1) & mask) {
      const held = this.table[at];
      if (held === 0) return undefined;
      if (this.keyMatches(held - 1, key)) return held - 1;
    }
  }

  private keyMatches(slot: number, key: Uint32Array): boolean {
    const base = slot * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) if (this.keys[base + w] !== key[w]) return false;
    return true;
  }

  private home(slot: number): number {
    return this.keys[slot * KEY_WORDS] & (this.table.length - 1);
  }

  private insert(slot: number): void {
    const mask = this.table.length - 1;
    let at = this.home(slot);
    while (this.table[at] !== 0) at = (at + 1) & mask;
    this.table[at] = slot + 1;
  }

  /** Takes `slot` out of the table, moving later entries of its run back so no lookup stops early. */
  private remove(slot: number): void {
    const mask = this.table.length - 1;
    let hole = this.home(slot);
    while (this.table[hole] !== slot + 1) hole = (hole + 1) & mask;
    for (let at = (hole + 1) & mask; this.table[at] !== 0; at = (at + 1) & mask) {
      const home = this.home(this.table[at] - 1);
      const staysAhead = hole <= at ? hole < home && home <= at : hole < home || home <= at;
      if (staysAhead) continue;
      this.table[hole] = this.table[at];
      hole = at;
    }
    this.table[hole] = 0;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size);
    for (let slot = 0; slot < this.used; slot++) if (this.state[slot] !== FREE) this.insert(slot);
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
    this.keys = grown(this.keys, (n) => new Uint32Array(n * KEY_WORDS));
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
