/**
 * Seeded fault injection. A fault plan is a timeline of phases; the phase in force when a request arrives
 * decides, with one draw from that request's own random stream, which fault (at most one) it suffers.
 * The plan can be replaced at runtime (admin PUT, or `setPlan` in-process); its timeline then restarts.
 */
import type { Clock, Random } from '../core/ports.ts';
import { randomInt, sample } from '../core/random.ts';
import { type FaultPhase, type FaultPlan, NO_FAULTS, parseFaultPlan } from './options.ts';

export type HttpFaultStatus = 500 | 502 | 503 | 504;

export type FaultDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'unauthorized' }
  | {
      readonly kind: 'http';
      readonly status: HttpFaultStatus;
      readonly when: 'before-commit' | 'after-commit';
    }
  /** Process `afterRows` rows (committed with commit=row, rolled back with commit=batch), then fail. */
  | { readonly kind: 'partial-commit'; readonly afterRows: number; readonly ending: 'error' | 'reset' }
  | { readonly kind: 'lost-ack' }
  | { readonly kind: 'slow-response'; readonly delayMs: number }
  | { readonly kind: 'truncated-body'; readonly mode: 'reset' | 'short'; readonly keepFraction: number };

/** The names counters and in-process outcomes use. */
export type FaultKind =
  | 'unauthorized'
  | 'http-before-commit'
  | 'http-after-commit'
  | 'partial-commit'
  | 'lost-ack'
  | 'slow-response'
  | 'truncated-body';

export function faultKindOf(decision: FaultDecision): FaultKind | null {
  switch (decision.kind) {
    case 'none':
      return null;
    case 'http':
      return decision.when === 'before-commit' ? 'http-before-commit' : 'http-after-commit';
    default:
      return decision.kind;
  }
}

/** The index of the phase in force `elapsedMs` after the plan was installed, or null before the first. */
export function activePhaseIndex(plan: FaultPlan, elapsedMs: number): number | null {
  let found: number | null = null;
  for (let i = 0; i < plan.phases.length; i++) {
    if (plan.phases[i]!.atMs <= elapsedMs) found = i;
    else break;
  }
  return found;
}

const NONE: FaultDecision = { kind: 'none' };

/** Rows processed before a crash: at least one and at most all but one, so "some rows committed" holds. */
function crashPoint(random: Random, rows: number): number {
  return rows >= 2 ? randomInt(random, 1, rows - 1) : 0;
}

/**
 * Picks at most one fault with one uniform draw over the phase's rates, in a fixed order; parameters
 * (crash point, delay) come from the next draws of the same per-request stream.
 */
export function decideFault(phase: FaultPhase | null, random: Random, rows: number): FaultDecision {
  const u = random.next();
  if (!phase) return NONE;
  let edge = 0;
  const hit = (rate: number | undefined): boolean => {
    if (!rate) return false;
    edge += rate;
    return u < edge;
  };
  if (hit(phase.unauthorized?.rate)) return { kind: 'unauthorized' };
  for (const fault of phase.http ?? []) {
    if (hit(fault.rate)) return { kind: 'http', status: fault.status, when: fault.when ?? 'before-commit' };
  }
  if (phase.partialCommit && hit(phase.partialCommit.rate)) {
    return {
      kind: 'partial-commit',
      afterRows: crashPoint(random, rows),
      ending: phase.partialCommit.ending ?? 'error',
    };
  }
  if (hit(phase.lostAck?.rate)) return { kind: 'lost-ack' };
  if (phase.slowResponse && hit(phase.slowResponse.rate)) {
    return { kind: 'slow-response', delayMs: Math.max(0, sample(phase.slowResponse.delayMs, random)) };
  }
  if (phase.truncatedBody && hit(phase.truncatedBody.rate)) {
    return {
      kind: 'truncated-body',
      mode: phase.truncatedBody.mode ?? 'reset',
      keepFraction: phase.truncatedBody.keepFraction ?? 0.5,
    };
  }
  return NONE;
}

export interface FaultState {
  readonly plan: FaultPlan;
  /** Monotonic time the plan was installed; phases count from here. */
  readonly installedAt: number;
  readonly elapsedMs: number;
  readonly activePhase: number | null;
}

export interface FaultController {
  /** The decision for a request arriving now. */
  decide(random: Random, rows: number): FaultDecision;
  state(): FaultState;
  /** Validates and installs a plan; its timeline starts now. Throws InvalidFaultPlanError naming `source`. */
  setPlan(plan: unknown, source?: string): FaultState;
  /** Restarts the current plan's timeline. */
  restart(): void;
}

export function createFaultController(initial: FaultPlan, clock: Clock): FaultController {
  let plan = initial;
  let installedAt = clock.monotonic();

  const state = (): FaultState => {
    const elapsedMs = clock.monotonic() - installedAt;
    return { plan, installedAt, elapsedMs, activePhase: activePhaseIndex(plan, elapsedMs) };
  };

  return {
    decide(random, rows) {
      if (plan === NO_FAULTS || plan.phases.length === 0) return decideFault(null, random, rows);
      const index = activePhaseIndex(plan, clock.monotonic() - installedAt);
      return decideFault(index === null ? null : plan.phases[index]!, random, rows);
    },
    state,
    setPlan(next, source = 'faults') {
      // A copy, so that a caller changing its object later does not change the plan in force.
      plan = structuredClone(parseFaultPlan(next, source));
      installedAt = clock.monotonic();
      return state();
    },
    restart() {
      installedAt = clock.monotonic();
    },
  };
}
