/**
 * A real, small run for the report tests: 5 devices for 20 minutes of lunchtime trade, short random outages,
 * and one response in five lost after the server committed, under the `seed` policy. Rows stay `syncing`
 * after a lost answer, so the run ends with stuck sales, each with its trace. Thresholds are filled in the
 * way the scenario layer would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportInput } from '../../src/report/report-input.ts';
import { runSimulation, type SimulationResult } from '../../src/sim/runner.ts';
import type { SimulationConfig } from '../../src/sim/simulation-config.ts';
import type { ThresholdResult } from '../../src/sim/summary.ts';

export const SMALL_CONFIG: SimulationConfig = {
  devices: { count: 5 },
  duration: '20m',
  startAt: '2026-03-02T12:00:00+07:00',
  workload: { salesPerHour: 90 },
  connectivity: {
    schedules: [{ kind: 'random', ratePerHour: 6, duration: { kind: 'uniform', min: 60_000, max: 240_000 } }],
  },
  network: { loseResponseRate: 0.2, latencyMs: { kind: 'lognormal', p50: 120, p99: 900 } },
  policy: { preset: 'seed' },
};

export interface SmallRun {
  readonly result: SimulationResult;
  readonly dir: string;
  cleanup(): void;
}

export async function smallRun(seed = 'report-1'): Promise<SmallRun> {
  const dir = mkdtempSync(join(tmpdir(), 'syncsim-report-'));
  const raw = await runSimulation(SMALL_CONFIG, { scenario: 'lost-ack', seed, outDir: dir });
  const s = raw.summary;
  const thresholds: ThresholdResult[] = [
    { expression: 'invariants.stuck == 0', ok: s.invariants.stuck === 0, actual: s.invariants.stuck },
    {
      expression: 'requests.errorRate < 0.5',
      ok: (s.requests.errorRate ?? 1) < 0.5,
      actual: s.requests.errorRate,
    },
    {
      expression: 'latency.timeToSyncMs.p99 < 300000',
      ok: (s.latency.timeToSyncMs.p99 ?? Number.POSITIVE_INFINITY) < 300_000,
      actual: s.latency.timeToSyncMs.p99,
    },
  ];
  const result: SimulationResult = {
    ...raw,
    summary: { ...s, thresholds, passed: thresholds.every((t) => t.ok) },
  };
  return { result, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Strings a device or a backend could send, each one trying to break out of the format it lands in. */
export const HOSTILE = {
  product: `<script>alert("x")</script> & 'Kopi' "Susu" </td></tr> ]]> <!-- ünïcødé 🧾 \u0007`,
  // A newline would end a Markdown heading or table row (leaving a code span open), a | a table cell.
  reference: `POS-<img src=x onerror=alert(1)>-&amp;-"1"\n# heading | a | \u001b]0;title\u0007`,
  detail: 'it said <b>no</b> & left | a | pipe ``` fence',
  expression: 'latency.requestMs.p99 < 5 && "<x>"',
};

/** A copy of the run's result with hostile strings in the first violation's rows and trace, and in a threshold. */
export function withHostileData(input: SimulationResult): ReportInput {
  const check = input.check;
  const [kind, examples] = Object.entries(check.examples).find(([, list]) => list.length > 0) ?? [];
  if (kind === undefined || examples === undefined)
    throw new Error('the small run has no violation to tamper with');
  const first = examples[0]!;
  const items = JSON.stringify([
    { product_id: 1, product_name: HOSTILE.product, quantity: 1, price: 1, subtotal: 1 },
  ]);
  const hostile = {
    ...first,
    offlineReference: HOSTILE.reference,
    detail: HOSTILE.detail,
    device:
      first.device === null
        ? null
        : { ...first.device, offlineReference: HOSTILE.reference, itemsJson: items },
    server: (first.server ?? []).map((row) => ({
      ...row,
      offlineReference: HOSTILE.reference,
      items: [{ product_id: 1, product_name: HOSTILE.product, quantity: 1, price: 1, subtotal: 1 }],
    })),
    trace: first.trace === null ? null : { ...first.trace, offlineReference: HOSTILE.reference },
  };
  return {
    ...input,
    summary: {
      ...input.summary,
      backend: `${input.summary.backend} <i>${HOSTILE.product}</i>`,
      thresholds: [
        ...input.summary.thresholds,
        { expression: HOSTILE.expression, ok: false, actual: HOSTILE.product, error: HOSTILE.detail },
      ],
      passed: false,
    },
    check: { ...check, examples: { ...check.examples, [kind]: [hostile, ...examples.slice(1)] } },
  };
}
