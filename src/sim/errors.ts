/** Errors of the simulator, defined once with their codes. */
import { defineError } from '../core/errors.ts';

export const ERR_SIM_CONFIG = defineError(
  'SYNCSIM_ERR_SIM_CONFIG',
  'config',
  (field: string, problem: string) => `${field}: ${problem}`,
);
/** The run's own storage failed (a full disk): its result would blame the design for the machine. */
export const ERR_RUN_STORAGE = defineError(
  'SYNCSIM_ERR_RUN_STORAGE',
  'unavailable',
  (deviceId: string, problem: string) =>
    `the run stopped: its storage failed on ${deviceId} (${problem}); a result would count the machine's failure as the design's. Free the disk under the run folder and run it again`,
);
export const ERR_TARGET_URL = defineError(
  'SYNCSIM_ERR_TARGET_URL',
  'usage',
  (url: string, problem: string) => `target URL ${JSON.stringify(url)} ${problem}`,
);
export const ERR_TARGET_UNREACHABLE = defineError(
  'SYNCSIM_ERR_TARGET_UNREACHABLE',
  'unavailable',
  (origin: string, reason: string) => `target ${origin} is unreachable: ${reason}`,
);

// Errors of the server-ledger sources (src/sim/ledger). Sources are named by their description, which
// never carries a password; driver messages are scrubbed of it too.

export const ERR_LEDGER_SPEC = defineError(
  'SYNCSIM_ERR_LEDGER_SPEC',
  'usage',
  (spec: string, problem: string) => `ledger source ${JSON.stringify(spec)} ${problem}`,
);
export const ERR_LEDGER_MAPPING = defineError(
  'SYNCSIM_ERR_LEDGER_MAPPING',
  'config',
  (field: string, problem: string) => `${field} ${problem}`,
);
export const ERR_LEDGER_UNAVAILABLE = defineError(
  'SYNCSIM_ERR_LEDGER_UNAVAILABLE',
  'unavailable',
  (source: string, reason: string) => `ledger source ${source} is unavailable: ${reason}`,
);
export const ERR_LEDGER_ADMIN_DISABLED = defineError(
  'SYNCSIM_ERR_LEDGER_ADMIN_DISABLED',
  'unavailable',
  (url: string) =>
    `${url} answered 404: no fake backend admin API there (is it syncsim serve --admin, and is --ledger its base URL, without a path?)`,
);
export const ERR_LEDGER_ACCESS = defineError(
  'SYNCSIM_ERR_LEDGER_ACCESS',
  'config',
  (source: string, reason: string) => `ledger source ${source} refused access: ${reason}`,
);
export const ERR_LEDGER_SCHEMA = defineError(
  'SYNCSIM_ERR_LEDGER_SCHEMA',
  'config',
  (source: string, table: string, column: string | null, problem: string) =>
    `ledger source ${source}: table ${table}${column === null ? '' : ` column ${column}`} ${problem}`,
);
export const ERR_LEDGER_ROW = defineError(
  'SYNCSIM_ERR_LEDGER_ROW',
  'protocol',
  (source: string, where: string, problem: string) => `ledger source ${source}: ${where} ${problem}`,
);
export const ERR_LEDGER_DRIVER = defineError(
  'SYNCSIM_ERR_LEDGER_DRIVER',
  'unavailable',
  (driver: string, reason: string) =>
    `reading a MySQL/MariaDB ledger needs the optional package ${driver}, which cannot be loaded (${reason}): install it with npm install ${driver}`,
);
export const ERR_LEDGER_CLOSED = defineError(
  'SYNCSIM_ERR_LEDGER_CLOSED',
  'internal',
  (source: string) => `ledger source ${source} was closed`,
);
