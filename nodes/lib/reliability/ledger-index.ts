/**
 * What a ledger keeps in memory per item, all in typed arrays: a 32-bit fingerprint of its id (the SHA-256's first
 * word), state, attempt count, time of the last change and where its records lie in the journal, and its place in
 * the list of its state; never the item nor its id (ids of real communications are over a hundred characters). A
 * lookup confirms a fingerprint match by reading the id back from the journal, so two ids sharing a fingerprint are
 * told apart exactly (the last 256 ids read back are kept with their slots: an item handed out and then acknowledged
 * is read once). 36 bytes a slot, slots grown by an eighth at a time, plus 4 bytes per place in an
 * open-addressing table kept between half and three quarters full: about 45 bytes per item (43–48 measured by P4),
 * none of it traced by the garbage collector.
 */
import { createHash } from "node:crypto";
import { setMostRecent } from "../bounded-map";
import { SmallUintColumn, Uint48Column, resized } from "./columns";
import type { Span } from "./journal-file";

export type LedgerState = "pending" | "in-flight" | "done" | "dead";

const STATES: readonly LedgerState[] = ["pending", "in-flight", "done", "dead"];
const DONE = STATES.indexOf("done");
/** Flags: the state's number in the low three bits (FREE: no item), then CURRENT and HAS_DETAIL. */
const STATE_BITS = 7;
const FREE = 7;
const CURRENT = 8;
const HAS_DETAIL = 16;
const NONE = -1;
const MIN_GROWTH = 256;
const MIN_TABLE = 512;
const CONFIRMED_IDS = 256;

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

type Change = { state?: LedgerState; attempts?: number; updatedAt: number; detail?: Span | null; item?: Span };

export class LedgerIndex {
  private capacity = 0;
  /** Slots ever handed out (live or free). */
  private used = 0;
  private live = 0;
  private fingerprints = new Uint32Array(0);
  private flags = new Uint8Array(0);
  private readonly attempts = new SmallUintColumn(1);
  private readonly updatedAt = new Uint48Column();
  private readonly itemOffset = new Uint48Column();
  private readonly itemLength = new SmallUintColumn(2);
  private readonly detailOffset = new Uint48Column();
  private readonly detailLength = new SmallUintColumn(2);
  /** A list per state except done, in the order its items entered it; free slots are chained through `next`. */
  private previous = new Int32Array(0);
  private next = new Int32Array(0);
  private readonly heads = STATES.map(() => NONE);
  private readonly tails = STATES.map(() => NONE);
  private readonly stateCounts = STATES.map(() => 0);
  private freeSlots = NONE;
  /** Linear probing: slot + 1 at the fingerprint's place, 0 = empty. */
  private table = new Int32Array(0);
  /** The last id hashed, and its fingerprint. */
  private hashed: { id: string; fingerprint: number } | undefined;
  /**
   * Ids read back lately (confirmed by a lookup, or listed) with their slots, the oldest dropped beyond
   * CONFIRMED_IDS: an item handed out and then acknowledged is read once, not at every step. Emptied when a slot is
   * freed (its number may then hold another item).
   */
  private readonly confirmed = new Map<string, number>();

  /** `readId` reads an item's id from its record in the journal. */
  constructor(private readonly readId: (item: Span) => string) {}

  get size(): number {
    return this.live;
  }

  has(id: string): boolean {
    return this.find(id) !== undefined;
  }

  get(id: string): IndexEntry | undefined {
    const slot = this.find(id);
    return slot === undefined ? undefined : this.at(slot);
  }

  stateOf(id: string): LedgerState | undefined {
    const slot = this.find(id);
    return slot === undefined ? undefined : STATES[this.flags[slot] & STATE_BITS];
  }

  /**
   * The slot of an item. A fingerprint match is confirmed by reading the id back from the journal, unless `trusted`
   * (the id is known to be in the index, e.g. named by a journal record being replayed) and no other item shares
   * the fingerprint.
   */
  find(id: string, trusted = false): number | undefined {
    if (this.live === 0) return undefined;
    const known = this.confirmed.get(id);
    if (known !== undefined) return known;
    const fingerprint = this.fingerprintOf(id);
    const candidates: number[] = [];
    for (let at = this.home(fingerprint); this.table[at] !== 0; at = this.after(at)) {
      const slot = this.table[at] - 1;
      if (this.fingerprints[slot] === fingerprint) candidates.push(slot);
    }
    if (trusted && candidates.length === 1) return candidates[0];
    return candidates.find((candidate) => this.idAt(candidate) === id);
  }

  /** Records an item (new, or replacing what was known of it). */
  put(id: string, entry: IndexEntry): void {
    const known = this.find(id);
    if (known !== undefined) this.unlist(known);
    const slot = known ?? this.newSlot(id);
    this.flags[slot] = STATES.indexOf(entry.state);
    this.attempts.set(slot, entry.attempts);
    this.updatedAt.set(slot, entry.updatedAt);
    this.setItem(slot, entry.item, entry.current ?? false);
    this.setDetail(slot, entry.detail);
    this.enlist(slot);
  }

  /**
   * Slots in a state (all live ones without one), oldest first for the states but done. The slot just given may
   * change its state; changing others' while listing a state throws.
   */
  *slots(state?: LedgerState): Generator<number> {
    const wanted = state === undefined ? undefined : STATES.indexOf(state);
    if (wanted !== undefined && wanted !== DONE) {
      for (let slot = this.heads[wanted]; slot !== NONE;) {
        const following = this.next[slot];
        yield slot;
        if (following !== NONE && (this.flags[following] & STATE_BITS) !== wanted) {
          throw new Error(`ledger index: ${state} items changed while being listed`);
        }
        slot = following;
      }
      return;
    }
    for (let slot = 0; slot < this.used; slot++) {
      const code = this.flags[slot] & STATE_BITS;
      if (code !== FREE && (wanted === undefined || code === wanted)) yield slot;
    }
  }

  /** Ids in a state, like `slots`; each id is read from the journal. */
  *ids(state?: LedgerState): Generator<string> {
    for (const slot of this.slots(state)) yield this.idAt(slot);
  }

  /** The id of the item in `slot`, read from the journal. */
  idAt(slot: number): string {
    const id = this.readId({ offset: this.itemOffset.get(slot), length: this.itemLength.get(slot) });
    setMostRecent(this.confirmed, id, slot, CONFIRMED_IDS);
    return id;
  }

  /** The state of the item in `slot`; undefined when the slot holds none (any more). */
  stateAt(slot: number): LedgerState | undefined {
    return slot < this.used ? STATES[this.flags[slot] & STATE_BITS] : undefined;
  }

  at(slot: number): IndexEntry {
    const flags = this.flags[slot];
    return {
      state: STATES[flags & STATE_BITS],
      attempts: this.attempts.get(slot),
      updatedAt: this.updatedAt.get(slot),
      item: { offset: this.itemOffset.get(slot), length: this.itemLength.get(slot) },
      ...(flags & HAS_DETAIL
        ? { detail: { offset: this.detailOffset.get(slot), length: this.detailLength.get(slot) } }
        : {}),
      current: (flags & CURRENT) !== 0,
    };
  }

  /**
   * Changes the item in `slot`; `detail: null` forgets its reason or outcome. A new `item` place is a line written by
   * compaction (current); any other change makes the item's line stale.
   */
  change(slot: number, change: Change): void {
    if (change.state !== undefined) {
      this.unlist(slot);
      this.flags[slot] = (this.flags[slot] & ~STATE_BITS) | STATES.indexOf(change.state);
      this.enlist(slot);
    }
    if (change.attempts !== undefined) this.attempts.set(slot, change.attempts);
    this.updatedAt.set(slot, change.updatedAt);
    if (change.detail !== undefined) this.setDetail(slot, change.detail ?? undefined);
    if (change.item) this.setItem(slot, change.item, true);
    else this.flags[slot] &= ~CURRENT;
  }

  /** Forgets the item in `slot`. */
  free(slot: number): void {
    this.unlist(slot);
    this.remove(slot);
    this.confirmed.clear();
    this.flags[slot] = FREE;
    for (const column of [this.attempts, this.itemLength, this.detailLength]) column.set(slot, 0);
    this.next[slot] = this.freeSlots;
    this.freeSlots = slot;
    this.live--;
  }

  counts(): Record<LedgerState, number> {
    const [pending, inFlight, done, dead] = this.stateCounts;
    return { pending, "in-flight": inFlight, done, dead };
  }

  /** Lists the states again in slot order, which a replay fills in the journal's order. */
  relist(): void {
    this.heads.fill(NONE);
    this.tails.fill(NONE);
    this.stateCounts.fill(0);
    for (let slot = 0; slot < this.used; slot++) if ((this.flags[slot] & STATE_BITS) !== FREE) this.enlist(slot);
  }

  private setItem(slot: number, item: Span, current: boolean): void {
    this.itemOffset.set(slot, item.offset);
    this.itemLength.set(slot, item.length);
    this.flags[slot] = current ? this.flags[slot] | CURRENT : this.flags[slot] & ~CURRENT;
  }

  private setDetail(slot: number, detail: Span | undefined): void {
    if (detail) {
      this.detailOffset.set(slot, detail.offset);
      this.detailLength.set(slot, detail.length);
      this.flags[slot] |= HAS_DETAIL;
    } else {
      this.detailLength.set(slot, 0);
      this.flags[slot] &= ~HAS_DETAIL;
    }
  }

  /** Appends `slot` to the list of its state. */
  private enlist(slot: number): void {
    const code = this.flags[slot] & STATE_BITS;
    this.stateCounts[code]++;
    if (code === DONE) return;
    const tail = this.tails[code];
    this.previous[slot] = tail;
    this.next[slot] = NONE;
    if (tail === NONE) this.heads[code] = slot;
    else this.next[tail] = slot;
    this.tails[code] = slot;
  }

  private unlist(slot: number): void {
    const code = this.flags[slot] & STATE_BITS;
    this.stateCounts[code]--;
    if (code === DONE) return;
    const before = this.previous[slot];
    const after = this.next[slot];
    if (before === NONE) this.heads[code] = after;
    else this.next[before] = after;
    if (after === NONE) this.tails[code] = before;
    else this.previous[after] = before;
  }

  private fingerprintOf(id: string): number {
    if (this.hashed?.id !== id) {
      this.hashed = { id, fingerprint: createHash("sha256").update(id).digest().readUInt32LE(0) };
    }
    return this.hashed.fingerprint;
  }

  private home(fingerprint: number): number {
    return Math.floor((fingerprint / 2 ** 32) * this.table.length);
  }

  private after(at: number): number {
    return at + 1 === this.table.length ? 0 : at + 1;
  }

  private newSlot(id: string): number {
    let slot = this.freeSlots;
    if (slot === NONE) {
      if (this.used === this.capacity) this.grow(this.capacity + Math.max(MIN_GROWTH, this.capacity >> 3));
      slot = this.used++;
    } else {
      this.freeSlots = this.next[slot];
    }
    this.fingerprints[slot] = this.fingerprintOf(id);
    this.flags[slot] = 0;
    this.live++;
    if (this.live * 4 > this.table.length * 3) this.rehash(Math.max(MIN_TABLE, this.live * 2));
    else this.insert(slot);
    return slot;
  }

  private insert(slot: number): void {
    let at = this.home(this.fingerprints[slot]);
    while (this.table[at] !== 0) at = this.after(at);
    this.table[at] = slot + 1;
  }

  /** Takes `slot` out of the table, moving later entries of its run back so no lookup stops early. */
  private remove(slot: number): void {
    let hole = this.home(this.fingerprints[slot]);
    while (this.table[hole] !== slot + 1) hole = this.after(hole);
    for (let at = this.after(hole); this.table[at] !== 0; at = this.after(at)) {
      const home = this.home(this.fingerprints[this.table[at] - 1]);
      const staysAhead = hole <= at ? hole < home && home <= at : hole < home || home <= at;
      if (staysAhead) continue;
      this.table[hole] = this.table[at];
      hole = at;
    }
    this.table[hole] = 0;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size);
    for (let slot = 0; slot < this.used; slot++) if ((this.flags[slot] & STATE_BITS) !== FREE) this.insert(slot);
  }

  private grow(capacity: number): void {
    this.fingerprints = resized(this.fingerprints, new Uint32Array(capacity));
    this.flags = resized(this.flags, new Uint8Array(capacity));
    this.previous = resized(this.previous, new Int32Array(capacity));
    this.next = resized(this.next, new Int32Array(capacity));
    for (const column of [this.attempts, this.updatedAt, this.itemOffset, this.itemLength]) column.resize(capacity);
    for (const column of [this.detailOffset, this.detailLength]) column.resize(capacity);
    this.capacity = capacity;
  }
}
