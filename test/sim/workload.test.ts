import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { SyncItemSchema } from '../../src/core/protocol.ts';
import { createRandom } from '../../src/core/random.ts';
import { itemsToWire } from '../../src/core/transaction-local.ts';
import { createCatalog } from '../../src/sim/catalog.ts';
import { createDeviceClock } from '../../src/sim/device-clock.ts';
import { VirtualClock } from '../../src/sim/virtual-clock.ts';
import {
  arrivalModel,
  createDeviceWorkload,
  generateSale,
  hourAt,
  nextSaleAt,
  resolveWorkloadConfig,
  type SaleArrival,
  startOfLocalDay,
  totalsConsistent,
  type WorkloadConfigInput,
  WorkloadConfigSchema,
  withIdentity,
} from '../../src/sim/workload.ts';

// Monday 2025-01-06 08:00 in Jakarta (UTC+7).
const START = Date.UTC(2025, 0, 6, 1, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const catalog = await createCatalog('workload-test');
const validItem = Compile(SyncItemSchema);

function arrivals(
  input: WorkloadConfigInput,
  deviceIndex: number,
  count: number,
  seed = 'seed',
): SaleArrival[] {
  const workload = createDeviceWorkload({
    seed,
    deviceIndex,
    catalog,
    config: resolveWorkloadConfig(input),
    startEpochMs: START,
  });
  const out: SaleArrival[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    const arrival = workload.nextArrival(t);
    if (arrival === null) break;
    out.push(arrival);
    t = arrival.atMs;
  }
  return out;
}

describe('workload config', () => {
  it('has defaults the schema accepts', () => {
    const config = resolveWorkloadConfig();
    expect(Compile(WorkloadConfigSchema).Check(config)).toBe(true);
    expect(config.salesPerHour).toBe(12);
    expect(config.hourly).toHaveLength(24);
    expect(config.taxRateBps).toBe(1100);
    expect(Object.keys(config.paymentMethods)).toEqual(['CASH', 'QRIS', 'DEBIT', 'CREDIT', 'EWALLET']);
  });

  it('fills nested defaults and rejects what the schema cannot say', () => {
    expect(resolveWorkloadConfig({ items: { max: 9 } }).items).toEqual({ min: 1, max: 9 });
    expect(() => resolveWorkloadConfig({ items: { min: 5, max: 2 } })).toThrow(RangeError);
    expect(() =>
      resolveWorkloadConfig({ poison: { schemaProbability: 0.6, semanticProbability: 0.6 } }),
    ).toThrow(RangeError);
    const validator = Compile(WorkloadConfigSchema);
    expect(validator.Check({ hourly: [1, 2, 3] })).toBe(false);
    expect(validator.Check({ paymentMethods: { cash: 1 } })).toBe(false);
    expect(validator.Check({ bogus: 1 })).toBe(false);
  });
});

describe('arrivals', () => {
  it('knows the local hour', () => {
    const model = arrivalModel(resolveWorkloadConfig(), START);
    expect(model.startOfDayEpochMs).toBe(Date.UTC(2025, 0, 5, 17, 0, 0));
    expect(hourAt(model, 0)).toBe(8);
    expect(hourAt(model, 4 * HOUR)).toBe(12);
    expect(hourAt(model, 16 * HOUR + 1)).toBe(0);
    expect(startOfLocalDay(Date.UTC(2025, 0, 5, 16, 59), 420)).toBe(Date.UTC(2025, 0, 4, 17, 0));
  });

  it('follows the hourly profile: far more sales at lunch than at 06:00, none at night', () => {
    const model = arrivalModel(resolveWorkloadConfig({ salesPerHour: 20 }), START);
    const random = createRandom('shape');
    const perHour = new Array<number>(24).fill(0);
    let t = 0;
    for (;;) {
      const next = nextSaleAt(t, random, model);
      if (next === null || next > 30 * DAY) break;
      const hour = hourAt(model, next);
      perHour[hour] = (perHour[hour] as number) + 1;
      t = next;
    }
    // Expected counts over 30 days: 1500 at 12 h (x2.5), 60 at 06 h (x0.1).
    expect(perHour[12]).toBeGreaterThan(1300);
    expect(perHour[12]).toBeLessThan(1700);
    expect(perHour[6]).toBeLessThan(120);
    expect(perHour[12]).toBeGreaterThan(5 * (perHour[6] as number));
    expect(perHour[19]).toBeGreaterThan(perHour[15] as number);
    for (let hour = 0; hour < 6; hour++) expect(perHour[hour]).toBe(0);
  });

  it('has the configured mean rate with a flat profile', () => {
    const model = arrivalModel(
      resolveWorkloadConfig({ salesPerHour: 60, hourly: new Array(24).fill(1) }),
      START,
    );
    const random = createRandom('rate');
    let count = 0;
    let t = 0;
    for (;;) {
      t = nextSaleAt(t, random, model) as number;
      if (t > 500 * HOUR) break;
      count++;
    }
    // 30,000 expected; a Poisson count's sd is about 173.
    expect(count).toBeGreaterThan(29_300);
    expect(count).toBeLessThan(30_700);
  });

  it('is pure given the stream, strictly after the given time, and null when the rate is zero', () => {
    const model = arrivalModel(resolveWorkloadConfig(), START);
    const a = nextSaleAt(1000, createRandom('p', 1), model);
    const b = nextSaleAt(1000, createRandom('p', 1), model);
    expect(a).toBe(b);
    expect(a as number).toBeGreaterThan(1000);
    const none = arrivalModel(resolveWorkloadConfig({ salesPerHour: 0 }), START);
    expect(nextSaleAt(0, createRandom('p'), none)).toBeNull();
    expect(arrivals({ hourly: new Array(24).fill(0) }, 0, 5)).toEqual([]);
  });
});

describe('sales', () => {
  it('always have consistent totals in whole minor units', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 10_000 }),
        (seed, min, extra, discountProbability, taxRateBps) => {
          const config = resolveWorkloadConfig({
            items: { min, max: min + extra },
            discount: { probability: discountProbability, percents: [5, 12.5, 50] },
            taxRateBps,
          });
          const random = createRandom(seed);
          for (let i = 0; i < 20; i++) {
            const sale = generateSale(random, catalog, config, 7);
            expect(totalsConsistent(sale)).toBe(true);
            expect(sale.items.length).toBeGreaterThanOrEqual(min);
            expect(sale.items.length).toBeLessThanOrEqual(min + extra);
            for (const amount of [sale.subtotal, sale.discountTotal, sale.taxTotal, sale.grandTotal]) {
              expect(Number.isInteger(amount)).toBe(true);
              expect(amount).toBeGreaterThanOrEqual(0);
            }
            expect(sale.discountTotal).toBeLessThanOrEqual(sale.subtotal);
            expect(sale.taxTotal).toBe(
              Math.round(((sale.subtotal - sale.discountTotal) * taxRateBps) / 10_000),
            );
            for (const item of sale.items) expect(validItem.Check(itemsToWire([item])[0])).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('use mostly quantity 1, payment methods by weight, and the spec status', () => {
    const sales = arrivals({ salesPerHour: 100 }, 3, 4000).flatMap((a) => a.sales.map((s) => s.draft));
    const quantities = sales.flatMap((s) => s.items.map((i) => i.quantity));
    const ones = quantities.filter((q) => q === 1).length / quantities.length;
    expect(ones).toBeGreaterThan(0.75);
    expect(ones).toBeLessThan(0.85);
    expect(Math.max(...quantities)).toBeLessThanOrEqual(4);
    const cash = sales.filter((s) => s.paymentMethod === 'CASH').length / sales.length;
    const credit = sales.filter((s) => s.paymentMethod === 'CREDIT').length / sales.length;
    expect(cash).toBeGreaterThan(0.35);
    expect(cash).toBeLessThan(0.45);
    expect(credit).toBeGreaterThan(0.05);
    expect(credit).toBeLessThan(0.11);
    expect(new Set(sales.map((s) => s.status))).toEqual(new Set(['paid']));
    // Device 3 with 2 cashiers per device: ids 7 and 8.
    expect(new Set(sales.map((s) => s.idUserApps))).toEqual(new Set([7, 8]));
  });

  it('are the same for the same seed and device, different for another device or seed', () => {
    const a = arrivals({}, 5, 50);
    expect(arrivals({}, 5, 50)).toEqual(a);
    expect(arrivals({}, 6, 50)).not.toEqual(a);
    expect(arrivals({}, 5, 50, 'other')).not.toEqual(a);
    expect(a).toHaveLength(50);
  });

  it('keep arrival times when only the basket changes', () => {
    const times = arrivals({}, 1, 30).map((a) => a.atMs);
    expect(arrivals({ items: { min: 3, max: 9 } }, 1, 30).map((a) => a.atMs)).toEqual(times);
  });

  it('gain the device identity', () => {
    const draft = (arrivals({}, 0, 1)[0] as SaleArrival).sales[0]?.draft;
    if (draft === undefined) throw new Error('no sale');
    const sale = withIdentity(draft, { deviceId: 'DEVICE001', branchCode: 'BRN-1' });
    expect(sale).toEqual({ ...draft, deviceId: 'DEVICE001', branchCode: 'BRN-1' });
  });
});

describe('bursts', () => {
  it('make double taps: two sales in one arrival, stamped in the same device millisecond', async () => {
    const list = arrivals({ doubleTap: { probability: 1 } }, 2, 20);
    expect(list.every((a) => a.sales.length === 2)).toBe(true);
    expect(list.every((a) => a.sales[0]?.draft !== a.sales[1]?.draft)).toBe(true);

    const clock = new VirtualClock(START);
    const device = createDeviceClock(clock);
    const stamps: number[][] = [];
    for (const arrival of list.slice(0, 5)) {
      clock.schedule(arrival.atMs - clock.monotonic(), () => {
        stamps.push(arrival.sales.map(() => device.now()));
      });
      await clock.run();
    }
    expect(stamps).toHaveLength(5);
    for (const pair of stamps) expect(pair[0]).toBe(pair[1]);
  });

  it('repeat the cart with sameCart, come at their rate, and are off by default', () => {
    const same = arrivals({ doubleTap: { probability: 1, sameCart: true } }, 2, 5);
    for (const arrival of same) expect(arrival.sales[1]).toBe(arrival.sales[0]);
    const some = arrivals({ salesPerHour: 100, doubleTap: { probability: 0.005 } }, 2, 5000);
    const taps = some.filter((a) => a.sales.length === 2).length;
    // 0.5% of 5000 = 25.
    expect(taps).toBeGreaterThan(5);
    expect(taps).toBeLessThan(60);
    // Off unless a scenario asks for them: a default day must not collide under the spec's references.
    const normal = arrivals({ salesPerHour: 100 }, 2, 5000);
    expect(normal.every((a) => a.sales.length === 1)).toBe(true);
  });
});

describe('poison sales', () => {
  it('schema poison has a line with a negative quantity that the wire schema rejects, totals still consistent', () => {
    const list = arrivals({ poison: { schemaProbability: 1 } }, 0, 50);
    for (const { poison, draft } of list.flatMap((a) => a.sales)) {
      expect(poison).toBe('schema');
      expect(draft.items.some((i) => i.quantity < 0)).toBe(true);
      expect(totalsConsistent(draft)).toBe(true);
      expect(itemsToWire(draft.items).some((item) => !validItem.Check(item))).toBe(true);
    }
  });

  it('semantic poison has a subtotal that is not the sum of its lines, and nothing else wrong', () => {
    const list = arrivals({ poison: { semanticProbability: 1 } }, 0, 50);
    for (const { poison, draft } of list.flatMap((a) => a.sales)) {
      expect(poison).toBe('semantic');
      expect(draft.items.every((i) => i.quantity > 0 && i.subtotal === i.price * i.quantity)).toBe(true);
      const sum = draft.items.reduce((total, i) => total + i.subtotal, 0);
      expect(draft.subtotal).not.toBe(sum);
      expect(draft.grandTotal).toBe(draft.subtotal - draft.discountTotal + draft.taxTotal);
      expect(totalsConsistent(draft)).toBe(false);
      for (const item of itemsToWire(draft.items)) expect(validItem.Check(item)).toBe(true);
    }
  });

  it('come at the configured rate and are flagged; ordinary sales are clean', () => {
    const sales = arrivals(
      { salesPerHour: 100, poison: { schemaProbability: 0.05, semanticProbability: 0.1 } },
      4,
      4000,
    ).flatMap((a) => a.sales);
    const schema = sales.filter((s) => s.poison === 'schema').length / sales.length;
    const semantic = sales.filter((s) => s.poison === 'semantic').length / sales.length;
    expect(schema).toBeGreaterThan(0.035);
    expect(schema).toBeLessThan(0.065);
    expect(semantic).toBeGreaterThan(0.08);
    expect(semantic).toBeLessThan(0.12);
    for (const sale of sales.filter((s) => s.poison === null))
      expect(totalsConsistent(sale.draft)).toBe(true);
  });
});
