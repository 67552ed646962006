/** `syncsim serve`: the fake backend as a real HTTP server, until Ctrl-C. */
import { Command } from 'commander';
import { DedupeModeSchema } from '../fake-backend/options.ts';
import { runUntilSignal } from '../fake-backend/serve.ts';
import type { CommandContext } from './context.ts';
import { ERR_FLAG } from './errors.ts';
import { SERVE_EXIT_CODES_HELP } from './exit-codes.ts';
import * as flags from './flags.ts';

const DEDUPE_MODES = DedupeModeSchema.anyOf.map((branch) => String(branch.const));

interface ServeFlags {
  host: string;
  port: string;
  db: string;
  dedupe: string;
  faults?: string;
  tokenEnv?: string;
  admin?: boolean;
  logLevel: string;
}

export function serveCommand(context: CommandContext): Command {
  return new Command('serve')
    .description('Run the fake batch-sync backend over HTTP (POST /api/v1/pos/offline/batch-sync)')
    .option('--host <host>', 'interface to bind (loopback unless told otherwise)', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one; the printed URL says which)', '8787')
    .option('--db <file>', 'SQLite ledger file (WAL); :memory: keeps nothing', 'syncsim-backend.sqlite')
    .option('--dedupe <mode>', `duplicate handling: ${DEDUPE_MODES.join(' | ')}`, 'unique')
    .option('--faults <file.json>', 'a fault plan (see `syncsim schema`, backend.faults)')
    .option('--token-env <name>', 'require Authorization: Bearer $NAME')
    .option('--admin', 'mount the /__syncsim/ admin API (ledger, counters, faults, reset)')
    .option('--log-level <level>', 'pino log level: silent, error, warn, info, debug', 'warn')
    .addHelpText(
      'after',
      `
Examples:
  syncsim serve --admin                          # http://127.0.0.1:8787, ledger in syncsim-backend.sqlite
  syncsim serve --port 0 --db :memory: --dedupe check-then-insert --admin
  SYNC_TOKEN=s3cret syncsim serve --token-env SYNC_TOKEN --faults faults.json --admin
  # then: syncsim run steady-day --target http://127.0.0.1:8787 --ledger http://127.0.0.1:8787
${SERVE_EXIT_CODES_HELP}`,
    )
    .action(async (options: ServeFlags) => {
      // An empty host would bind every interface: the admin API open to the network, unasked.
      flags.nonBlank(
        '--host',
        options.host,
        'an interface to bind, e.g. 127.0.0.1 (loopback) or 0.0.0.0 (every interface)',
      );
      flags.nonBlank('--db', options.db, 'a SQLite file, or :memory: to keep nothing');
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || port > 65_535)
        throw new ERR_FLAG('--port', `expected 0 to 65535, got ${JSON.stringify(options.port)}`);
      if (!DEDUPE_MODES.includes(options.dedupe))
        throw new ERR_FLAG(
          '--dedupe',
          `expected ${DEDUPE_MODES.join(', ')}, got ${JSON.stringify(options.dedupe)}`,
        );
      const levels = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'];
      if (!levels.includes(options.logLevel))
        throw new ERR_FLAG(
          '--log-level',
          `expected ${levels.join(', ')}, got ${JSON.stringify(options.logLevel)}`,
        );
      await runUntilSignal(
        {
          host: options.host,
          port,
          db: options.db,
          dedupe: options.dedupe as 'unique',
          faults: options.faults,
          tokenEnv: options.tokenEnv,
          admin: options.admin === true,
          logLevel: options.logLevel as 'warn',
        },
        { env: context.env, print: (line) => context.console.out(line) },
      );
    });
}
