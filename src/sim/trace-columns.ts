/**
 * Growable typed-array columns and a string interner: the storage of the trace, which keeps a few numbers per
 * sale, per step and per request for every sale of a run. Typed arrays hold them at their byte size, outside
 * the JS heap (so they add nothing to what V8 multiplies when it sizes the heap), where an object per step
 * cost ~0.9 KB per sale (bench/PROFILING.md).
 */

type NumberArray = Float64Array | Int32Array | Uint8Array;

/** A column of numbers that grows by doubling; unset entries read as `empty`. */
export class NumberColumn<A extends NumberArray> {
  private data: A;

  constructor(
    private readonly make: (length: number) => A,
    private readonly empty: number,
  ) {
    this.data = make(0);
  }

  get(index: number): number {
    return index < this.data.length ? this.data[index]! : this.empty;
  }

  set(index: number, value: number): void {
    if (index >= this.data.length) this.grow(index + 1);
    this.data[index] = value;
  }

  private grow(needed: number): void {
    const next = this.make(Math.max(needed, this.data.length * 2, 1024));
    next.set(this.data);
    if (this.empty !== 0) next.fill(this.empty, this.data.length);
    this.data = next;
  }
}

export const float64Column = (empty = Number.NaN) =>
  new NumberColumn((length) => new Float64Array(length), empty);
export const int32Column = (empty = -1) => new NumberColumn((length) => new Int32Array(length), empty);
export const uint8Column = () => new NumberColumn((length) => new Uint8Array(length), 0);

/** NaN stands for null in a float column (a time that has not happened). */
export function nullableOf(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** -1 stands for null in an int column (a status or count that is not known). */
export function nullableInt(value: number): number | null {
  return value === -1 ? null : value;
}

/** Strings that repeat (device ids, release reasons, failure kinds) kept once, referred to by number. */
export class Interner<T extends string> {
  private readonly values: T[] = [];
  private readonly indexes = new Map<T, number>();

  indexOf(value: T): number {
    let index = this.indexes.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.indexes.set(value, index);
    }
    return index;
  }

  valueAt(index: number): T {
    const value = this.values[index];
    if (value === undefined) throw new RangeError(`no interned value ${index}`);
    return value;
  }
}
