import { terminalSafe } from '../report/escape.ts';

/**
 * Where the CLI writes. Results go to stdout; progress, notices and errors to stderr, so that
 * `syncsim run --json > summary.json` gets only the summary.
 */
export interface Console {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is an interactive terminal (progress bar) or a log (plain lines). */
  readonly interactive: boolean;
}

/**
 * A stream that stops writing once its reader has gone (`syncsim list | head`, `syncsim schema | less` quit
 * early): EPIPE is not an error of ours, and without a listener Node turns it into a crash with a stack
 * trace. The run goes on, writes its reports and exits with its own code. Whatever it writes is made safe for
 * a terminal: a seed or a scenario's names could carry escape sequences.
 */
function guarded(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') closed = true;
    else throw error;
  });
  return (text) => {
    if (closed) return;
    const safe = terminalSafe(text);
    stream.write(safe.endsWith('\n') ? safe : `${safe}\n`);
  };
}

let streams: { out: (text: string) => void; err: (text: string) => void } | null = null;

export function processConsole(): Console {
  streams ??= { out: guarded(process.stdout), err: guarded(process.stderr) };
  return {
    out: streams.out,
    err: streams.err,
    interactive: process.stderr.isTTY === true && !process.env.CI,
  };
}
