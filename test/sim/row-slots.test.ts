import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowSlots } from '../../src/sim/row-slots.ts';

describe('RowSlots', () => {
  it('answers as a map from row id to value would, whatever ids and order', () => {
    const rowId = fc.oneof(
      fc.integer({ min: 0, max: 300 }), // the usual: ids counting up from 1
      fc.integer({ min: (1 << 24) - 2, max: (1 << 24) + 2 }), // around the array's limit
      fc.constantFrom(-1, 2 ** 40, 1.5, Number.NaN), // what no device file gives, kept exact anyway
    );
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        rowId,
        value: fc.integer({ min: 0, max: 2 ** 31 - 2 }),
      }),
      fc.record({ kind: fc.constant('get' as const), rowId }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const slots = new RowSlots();
        const model = new Map<number, number>();
        for (const step of ops) {
          if (step.kind === 'set') {
            slots.set(step.rowId, step.value);
            model.set(step.rowId, step.value);
          } else if (step.kind === 'clear') {
            slots.clear();
            model.clear();
          } else {
            expect(slots.get(step.rowId)).toBe(model.get(step.rowId) ?? -1);
          }
        }
        for (const [id, value] of model) expect(slots.get(id)).toBe(value);
      }),
    );
  });

  it('grows to hold the ids of a file of many rows', () => {
    const slots = new RowSlots();
    for (let id = 1; id <= 10_000; id++) slots.set(id, id % 4);
    expect(slots.get(1)).toBe(1);
    expect(slots.get(9_999)).toBe(3);
    expect(slots.get(10_001)).toBe(-1);
  });
});
