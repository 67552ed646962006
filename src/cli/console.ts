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

export function processConsole(): Console {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    interactive: process.stderr.isTTY === true && !process.env.CI,
  };
}
