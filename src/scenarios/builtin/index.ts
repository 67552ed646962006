/** The built-in scenarios, in the order `syncsim list` shows them. `steady-day` is the default. */
import type { Scenario } from '../scenario.ts';
import capacityRamp from './capacity-ramp.ts';
import clockRollback from './clock-rollback.ts';
import crashMidSync from './crash-mid-sync.ts';
import doubleTrigger from './double-trigger.ts';
import flakyNetwork from './flaky-network.ts';
import longOfflineBacklog from './long-offline-backlog.ts';
import lostAck from './lost-ack.ts';
import partialCommit from './partial-commit.ts';
import poisonPill from './poison-pill.ts';
import racyBackend from './racy-backend.ts';
import reconnectStorm from './reconnect-storm.ts';
import retryStorm from './retry-storm.ts';
import sameMsCollision from './same-ms-collision.ts';
import steadyDay from './steady-day.ts';

export const DEFAULT_SCENARIO = 'steady-day';

export const BUILTIN_SCENARIOS: readonly Scenario[] = [
  steadyDay,
  flakyNetwork,
  reconnectStorm,
  longOfflineBacklog,
  lostAck,
  doubleTrigger,
  crashMidSync,
  sameMsCollision,
  clockRollback,
  racyBackend,
  partialCommit,
  retryStorm,
  poisonPill,
  capacityRamp,
];

/** The scenarios that show a weakness of the spec's design: each must fail under seed and pass under hardened. */
export const BUG_SCENARIOS: readonly string[] = BUILTIN_SCENARIOS.map((s) => s.name).filter(
  (name) => name !== 'steady-day' && name !== 'capacity-ramp',
);
