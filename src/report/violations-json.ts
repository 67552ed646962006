/**
 * violations.json: every example the checker kept, kind by kind, each with the device row, the server rows,
 * the field differences and the sale's trace, plus the trace as readable lines (describeTrace) so a person
 * can read the file without the report.
 */
import type { CheckResult, Violation } from '../sim/checker-types.ts';
import type { SaleTrace } from '../sim/trace.ts';
import { describeTrace } from '../sim/trace-format.ts';
import { allViolations } from './report-input.ts';

export const VIOLATIONS_VERSION = 1;

/** A trace as plain data: batches are class instances shared between attempts and events; JSON needs copies. */
function traceJson(trace: SaleTrace): unknown {
  const batch = (b: SaleTrace['attempts'][number]['batch']) => ({
    deviceId: b.deviceId,
    batchId: b.batchId,
    sentAtMs: b.sentAtMs,
    rows: b.rows,
    bytes: b.bytes,
    endedAtMs: b.endedAtMs,
    status: b.status,
    failure: b.failure,
    detail: b.detail,
    results: b.results,
    split: b.split,
  });
  return {
    offlineId: trace.offlineId,
    offlineReference: trace.offlineReference,
    deviceId: trace.deviceId,
    createdAtMs: trace.createdAtMs,
    createdAtDevice: trace.createdAtDevice,
    createdOnline: trace.createdOnline,
    syncedAtMs: trace.syncedAtMs,
    events: trace.events.map((event) =>
      event.type === 'attempt'
        ? { type: event.type, atMs: event.atMs, batch: batch(event.batch), result: event.result }
        : event,
    ),
  };
}

function violationJson(violation: Violation): unknown {
  return {
    kind: violation.kind,
    offlineId: violation.offlineId,
    offlineReference: violation.offlineReference,
    deviceId: violation.deviceId,
    detail: violation.detail,
    device: violation.device,
    localFailure: violation.localFailure,
    server: violation.server,
    differences: violation.differences,
    related: violation.related,
    story: violation.trace === null ? null : describeTrace(violation.trace),
    trace: violation.trace === null ? null : traceJson(violation.trace),
  };
}

export function renderViolationsJson(check: CheckResult): string {
  const document = {
    version: VIOLATIONS_VERSION,
    invariants: check.invariants,
    matchedBy: check.matchedBy,
    /** The checker keeps a few examples per kind; the counts are in `invariants`. */
    examples: allViolations(check).map(violationJson),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
