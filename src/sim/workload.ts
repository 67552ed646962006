/**
 * What a device sells and when. Sales come from the run's catalog and the device's own seeded streams, one
 * for arrival times and one for sale content, so changing the basket size does not move a single sale in
 * time. Arrivals are a non-homogeneous Poisson process shaped by the hour of the day, sampled by thinning.
 * Amounts are integer minor units, so the totals add up exactly: grand = subtotal - discount + tax.
 */
import Type from 'typebox';
import Value from 'typebox/value';
import type { Minor } from '../core/money.ts';
import type { Random } from '../core/ports.ts';
import { chance, createRandom, exponential, randomInt } from '../core/random.ts';
import type { NewTransaction, SaleItem } from '../core/transaction-local.ts';
import type { Product } from './catalog.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Multipliers of `salesPerHour` for each local hour 00..23: closed at night, quiet mornings, a lunch rush
 * (12-13 h at 2.5x), an afternoon lull and an evening bump (18-19 h).
 */
export const DEFAULT_HOURLY_PROFILE: readonly number[] = Object.freeze([
  0, 0, 0, 0, 0, 0, 0.1, 0.3, 0.5, 0.6, 0.8, 1.2, 2.5, 2.2, 1.0, 0.7, 0.7, 1.0, 1.6, 1.8, 1.3, 0.8, 0.4, 0.1,
]);

export const DEFAULT_PAYMENT_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({
  CASH: 40,
  QRIS: 30,
  DEBIT: 12,
  CREDIT: 8,
  EWALLET: 10,
});

const PaymentMethodName = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Z][A-Z0-9_]*$' });

export const WorkloadConfigSchema = Type.Object(
  {
    /** Sales per hour per device at hourly multiplier 1. */
    salesPerHour: Type.Optional(Type.Number({ minimum: 0, default: 12 })),
    /** 24 multipliers of `salesPerHour`, one per local hour from 00 h. */
    hourly: Type.Optional(
      Type.Array(Type.Number({ minimum: 0 }), {
        minItems: 24,
        maxItems: 24,
        default: [...DEFAULT_HOURLY_PROFILE],
      }),
    ),
    /** The shops' time zone, minutes east of UTC (WIB, Jakarta, is +420): decides which hour a time falls in. */
    utcOffsetMinutes: Type.Optional(Type.Integer({ minimum: -720, maximum: 840, default: 420 })),
    /** Lines per sale, uniform in [min, max]. */
    items: Type.Optional(
      Type.Object(
        {
          min: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 1 })),
          max: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 5 })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    /** Quantity per line: 1, or with probability `multipleProbability` uniform in [2, max]. */
    quantity: Type.Optional(
      Type.Object(
        {
          multipleProbability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.2 })),
          max: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000, default: 4 })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    /** Relative weights of payment methods. */
    paymentMethods: Type.Optional(
      Type.Record(PaymentMethodName, Type.Number({ minimum: 0 }), {
        minProperties: 1,
        additionalProperties: false,
        default: { ...DEFAULT_PAYMENT_WEIGHTS },
      }),
    ),
    /** With `probability`, a sale gets a discount of one of `percents` of its subtotal (rounded down to 1 major unit). */
    discount: Type.Optional(
      Type.Object(
        {
          probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.1 })),
          percents: Type.Optional(
            Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 100 }), {
              minItems: 1,
              default: [5, 10, 15, 20],
            }),
          ),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    /** Tax on (subtotal - discount), in basis points: 1100 is Indonesia's 11% VAT (PPN). */
    taxRateBps: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 1100 })),
    /** Cashier accounts per device; `idUserApps` is drawn among this device's. */
    cashiersPerDevice: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 2 })),
    /** `status` and `paymentStatus` of every sale (the spec's example uses 'paid' for both). */
    status: Type.Optional(Type.String({ minLength: 1, maxLength: 32, default: 'paid' })),
    paymentStatus: Type.Optional(Type.String({ minLength: 1, maxLength: 32, default: 'paid' })),
    /** With `probability`, an arrival is a double tap: two sales in the same millisecond. */
    doubleTap: Type.Optional(
      Type.Object(
        {
          probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0 })),
          /** The second sale repeats the first one's cart (a real double tap) instead of being a new one. */
          sameCart: Type.Optional(Type.Boolean({ default: false })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    /** Sales the backend must reject, per sale: `schema` fails the request schema (the whole batch gets a 400),
     * `semantic` has a subtotal that is not the sum of its lines (the backend rejects that row only). */
    poison: Type.Optional(
      Type.Object(
        {
          schemaProbability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0 })),
          semanticProbability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0 })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

export type WorkloadConfigInput = Type.Static<typeof WorkloadConfigSchema>;

export interface WorkloadConfig {
  readonly salesPerHour: number;
  readonly hourly: readonly number[];
  readonly utcOffsetMinutes: number;
  readonly items: { readonly min: number; readonly max: number };
  readonly quantity: { readonly multipleProbability: number; readonly max: number };
  readonly paymentMethods: Readonly<Record<string, number>>;
  readonly discount: { readonly probability: number; readonly percents: readonly number[] };
  readonly taxRateBps: number;
  readonly cashiersPerDevice: number;
  readonly status: string;
  readonly paymentStatus: string;
  readonly doubleTap: { readonly probability: number; readonly sameCart: boolean };
  readonly poison: { readonly schemaProbability: number; readonly semanticProbability: number };
}

/** Fills in the schema's defaults (the input is not modified) and checks what the schema cannot say. */
export function resolveWorkloadConfig(input: WorkloadConfigInput = {}): WorkloadConfig {
  const config = Value.Default(WorkloadConfigSchema, structuredClone(input)) as WorkloadConfig;
  if (config.items.max < config.items.min) {
    throw new RangeError(`workload items.max (${config.items.max}) is below items.min (${config.items.min})`);
  }
  if (config.poison.schemaProbability + config.poison.semanticProbability > 1) {
    throw new RangeError('workload poison probabilities add up to more than 1');
  }
  return config;
}

// ---------------------------------------------------------------------------------------------------------
// Arrivals

export interface ArrivalModel {
  readonly salesPerHour: number;
  /** 24 multipliers, local hours 00..23. */
  readonly hourly: readonly number[];
  /** Epoch ms at virtual time 0. */
  readonly startEpochMs: number;
  /** Epoch ms of a local midnight (any day): the profile's hour h covers [midnight + h h, + 1 h) every day. */
  readonly startOfDayEpochMs: number;
}

/** The epoch ms of the local midnight at or before `epochMs`, for a zone `utcOffsetMinutes` east of UTC. */
export function startOfLocalDay(epochMs: number, utcOffsetMinutes: number): number {
  const offset = utcOffsetMinutes * 60_000;
  return Math.floor((epochMs + offset) / DAY_MS) * DAY_MS - offset;
}

export function arrivalModel(config: WorkloadConfig, startEpochMs: number): ArrivalModel {
  return {
    salesPerHour: config.salesPerHour,
    hourly: config.hourly,
    startEpochMs,
    startOfDayEpochMs: startOfLocalDay(startEpochMs, config.utcOffsetMinutes),
  };
}

/** The local hour (0..23) at virtual time `virtualMs`. */
export function hourAt(model: ArrivalModel, virtualMs: number): number {
  const sinceMidnight = (model.startEpochMs + virtualMs - model.startOfDayEpochMs) % DAY_MS;
  return Math.floor((sinceMidnight < 0 ? sinceMidnight + DAY_MS : sinceMidnight) / HOUR_MS);
}

/** Sales per hour at virtual time `virtualMs`. */
export function rateAt(model: ArrivalModel, virtualMs: number): number {
  return model.salesPerHour * (model.hourly[hourAt(model, virtualMs)] ?? 0);
}

/**
 * The next sale strictly after `afterVirtualMs`, or null when the rate is zero at every hour. Thinning
 * (Lewis and Shedler): candidates at the peak rate, each kept with probability rate(t) / peak. Pure given
 * the random stream: the same stream state gives the same answer.
 */
export function nextSaleAt(afterVirtualMs: number, random: Random, model: ArrivalModel): number | null {
  let peak = 0;
  for (const multiplier of model.hourly) if (multiplier > peak) peak = multiplier;
  const peakRate = model.salesPerHour * peak;
  if (!(peakRate > 0)) return null;
  const meanGapMs = HOUR_MS / peakRate;
  let t = afterVirtualMs;
  for (;;) {
    const gap = exponential(random, meanGapMs);
    // A zero gap (a draw of exactly 0) would not be "after"; draw again.
    if (!(gap > 0)) continue;
    t += gap;
    if (random.next() * peakRate < rateAt(model, t)) return t;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sales

/** A sale as the workload makes it; the device adds its identity. */
export type SaleDraft = Omit<NewTransaction, 'deviceId' | 'branchCode'>;

export type PoisonKind = 'schema' | 'semantic';

export interface PlannedSale {
  readonly draft: SaleDraft;
  /** Null for an ordinary sale; otherwise how the backend is expected to reject it. */
  readonly poison: PoisonKind | null;
}

export interface DeviceIdentity {
  readonly deviceId: string;
  readonly branchCode: string;
}

/**
 * Written out field by field, not spread: every sale then has one hidden class, and the core's reads of it
 * (validateSale, the insert) stay monomorphic. A spread gave sales several, and those reads went megamorphic
 * (~12 inline-cache misses a sale, `node --log-ic`; bench/PROFILING.md, tenth session).
 */
export function withIdentity(draft: SaleDraft, identity: DeviceIdentity): NewTransaction {
  return {
    deviceId: identity.deviceId,
    branchCode: identity.branchCode,
    idUserApps: draft.idUserApps,
    grandTotal: draft.grandTotal,
    subtotal: draft.subtotal,
    discountTotal: draft.discountTotal,
    taxTotal: draft.taxTotal,
    status: draft.status,
    paymentStatus: draft.paymentStatus,
    paymentMethod: draft.paymentMethod,
    items: draft.items,
  };
}

/** A line's total. */
export function lineTotal(price: Minor, quantity: number): Minor {
  return price * quantity;
}

/** Tax on an amount, in basis points, rounded half up to a whole minor unit. */
export function taxOn(taxable: Minor, taxRateBps: number): Minor {
  return Math.round((taxable * taxRateBps) / 10_000);
}

/** Whether the totals add up: subtotal is the sum of the lines, each line price x quantity, grand total right. */
export function totalsConsistent(sale: SaleDraft): boolean {
  let sum = 0;
  for (const item of sale.items) {
    if (item.subtotal !== lineTotal(item.price, item.quantity)) return false;
    sum += item.subtotal;
  }
  return sale.subtotal === sum && sale.grandTotal === sale.subtotal - sale.discountTotal + sale.taxTotal;
}

function weightedPick(random: Random, weights: Readonly<Record<string, number>>): string {
  const entries = Object.entries(weights);
  let total = 0;
  for (const [, weight] of entries) total += weight;
  if (!(total > 0)) return (entries[0] as [string, number])[0];
  let draw = random.next() * total;
  for (const [name, weight] of entries) {
    draw -= weight;
    if (draw < 0) return name;
  }
  // Floating-point remainder: the last method with a positive weight.
  for (let index = entries.length - 1; index >= 0; index--) {
    const [name, weight] = entries[index] as [string, number];
    if (weight > 0) return name;
  }
  return (entries[0] as [string, number])[0];
}

function drawLines(random: Random, catalog: readonly Product[], config: WorkloadConfig): SaleItem[] {
  const count = randomInt(random, config.items.min, config.items.max);
  const items: SaleItem[] = [];
  for (let line = 0; line < count; line++) {
    const product = catalog[Math.floor(random.next() * catalog.length)] as Product;
    const quantity = chance(random, config.quantity.multipleProbability)
      ? randomInt(random, 2, config.quantity.max)
      : 1;
    items.push({
      productId: product.productId,
      productName: product.productName,
      quantity,
      price: product.price,
      subtotal: lineTotal(product.price, quantity),
    });
  }
  return items;
}

/** Builds the totals from the lines; `subtotalError` makes a semantic poison sale (its grand total still follows). */
function priceSale(
  random: Random,
  items: readonly SaleItem[],
  config: WorkloadConfig,
  subtotalError: Minor,
): Pick<SaleDraft, 'subtotal' | 'discountTotal' | 'taxTotal' | 'grandTotal'> {
  let subtotal = subtotalError;
  for (const item of items) subtotal += item.subtotal;
  let discountTotal = 0;
  if (subtotal > 0 && chance(random, config.discount.probability)) {
    const percent = config.discount.percents[
      Math.floor(random.next() * config.discount.percents.length)
    ] as number;
    // Whole major units, as a cashier would key it in.
    discountTotal = Math.floor((subtotal * percent) / 100 / 100) * 100;
  }
  const taxTotal = taxOn(subtotal - discountTotal, config.taxRateBps);
  return { subtotal, discountTotal, taxTotal, grandTotal: subtotal - discountTotal + taxTotal };
}

/**
 * One sale from `random` (the device's sales stream). `poison` forces a poison kind: 'schema' negates the
 * first line's quantity (totals still computed from the lines), 'semantic' adds one major unit per line to
 * the subtotal so it no longer equals the sum of the lines.
 */
export function generateSale(
  random: Random,
  catalog: readonly Product[],
  config: WorkloadConfig,
  cashierId: number,
  poison: PoisonKind | null = null,
): SaleDraft {
  if (catalog.length === 0) throw new RangeError('cannot generate a sale from an empty catalog');
  let items = drawLines(random, catalog, config);
  if (poison === 'schema') {
    const first = items[0] as SaleItem;
    const quantity = -first.quantity;
    items = [{ ...first, quantity, subtotal: lineTotal(first.price, quantity) }, ...items.slice(1)];
  }
  const subtotalError = poison === 'semantic' ? 100 * items.length : 0;
  const totals = priceSale(random, items, config, subtotalError);
  return {
    idUserApps: cashierId,
    grandTotal: totals.grandTotal,
    subtotal: totals.subtotal,
    discountTotal: totals.discountTotal,
    taxTotal: totals.taxTotal,
    status: config.status,
    paymentStatus: config.paymentStatus,
    paymentMethod: weightedPick(random, config.paymentMethods),
    items,
  };
}

// ---------------------------------------------------------------------------------------------------------
// One device's workload

export interface SaleArrival {
  /** Virtual time of the arrival. All its sales are made in the same callback, so in the same device ms. */
  readonly atMs: number;
  /** One sale, or two for a double tap. */
  readonly sales: readonly PlannedSale[];
}

export interface DeviceWorkload {
  /** The next arrival strictly after `afterVirtualMs`; null when this device never sells. */
  nextArrival(afterVirtualMs: number): SaleArrival | null;
}

export interface DeviceWorkloadOptions {
  readonly seed: string | number;
  readonly deviceIndex: number;
  readonly catalog: readonly Product[];
  readonly config: WorkloadConfig;
  /** Epoch ms at virtual time 0 (decides the hour of the day). */
  readonly startEpochMs: number;
}

/** The two streams of a device's workload, derived from (seed, device index) so a shard replays exactly. */
export function workloadStreams(
  seed: string | number,
  deviceIndex: number,
): { arrivals: Random; sales: Random } {
  return {
    arrivals: createRandom(seed, 'workload', 'arrivals', deviceIndex),
    sales: createRandom(seed, 'workload', 'sales', deviceIndex),
  };
}

export function createDeviceWorkload(options: DeviceWorkloadOptions): DeviceWorkload {
  const { config, catalog, deviceIndex } = options;
  const streams = workloadStreams(options.seed, deviceIndex);
  const model = arrivalModel(config, options.startEpochMs);
  // Each device has its own cashiers: ids 1.. for device 0, then the next block for device 1, and so on.
  const firstCashier = deviceIndex * config.cashiersPerDevice + 1;

  const planSale = (): PlannedSale => {
    const random = streams.sales;
    const draw = random.next();
    const poison: PoisonKind | null =
      draw < config.poison.schemaProbability
        ? 'schema'
        : draw < config.poison.schemaProbability + config.poison.semanticProbability
          ? 'semantic'
          : null;
    const cashierId = randomInt(random, firstCashier, firstCashier + config.cashiersPerDevice - 1);
    return { draft: generateSale(random, catalog, config, cashierId, poison), poison };
  };

  return {
    nextArrival(afterVirtualMs) {
      const atMs = nextSaleAt(afterVirtualMs, streams.arrivals, model);
      if (atMs === null) return null;
      const doubleTap = chance(streams.arrivals, config.doubleTap.probability);
      const first = planSale();
      if (!doubleTap) return { atMs, sales: [first] };
      const second = config.doubleTap.sameCart ? first : planSale();
      return { atMs, sales: [first, second] };
    },
  };
}
