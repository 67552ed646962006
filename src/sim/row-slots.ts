/**
 * A whole number per row of one device file, found by the row's id (`TransactionLocal.id`, in the core's row
 * events): an array slot, where a map by offline id hashes a fresh string for every row of every event (a
 * tenth of the HTTP drain's generator went to such lookups: bench/PROFILING.md, seventeenth session).
 *
 * Row ids count up from 1 and are never reused (AUTOINCREMENT), so the array is as long as the file has rows.
 * An id past MAX_SLOT (a file written by something else) is kept in a map, so no id can make the array huge.
 */
const MAX_SLOT = 1 << 24;

export class RowSlots {
  /** value + 1 per row id; 0 = nothing set. */
  private slots = new Int32Array(64);
  private readonly far = new Map<number, number>();

  /** The value set for this row, -1 when none. */
  get(rowId: number): number {
    const slot = this.slots[rowId]; // undefined past the end, below 0, or for a fraction
    return slot !== undefined ? slot - 1 : (this.far.get(rowId) ?? -1);
  }

  /** `value`: a whole number from 0 to 2^31 - 2. */
  set(rowId: number, value: number): void {
    if (!(Number.isInteger(rowId) && rowId >= 0 && rowId < MAX_SLOT)) {
      this.far.set(rowId, value);
      return;
    }
    if (rowId >= this.slots.length) this.grow(rowId);
    this.slots[rowId] = value + 1;
  }

  clear(): void {
    this.slots.fill(0);
    this.far.clear();
  }

  private grow(rowId: number): void {
    let length = this.slots.length * 2;
    while (length <= rowId) length *= 2;
    const slots = new Int32Array(Math.min(length, MAX_SLOT));
    slots.set(this.slots);
    this.slots = slots;
  }
}
