/**
 * Splits a byte stream into NDJSON lines as it arrives: only the current partial line is buffered, so a
 * million-row answer is never one string. Multi-byte characters split across chunks are decoded whole.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`a line is longer than ${limit} characters`);
    this.name = 'LineTooLongError';
  }
}

/** Non-empty lines, without their newline (and without a trailing \r). */
export async function* ndjsonLines(
  chunks: AsyncIterable<Uint8Array | string>,
  maxLineLength = 16 * 1024 * 1024,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const lineOf = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);
  for await (const chunk of chunks) {
    pending +=
      typeof chunk === 'string'
        ? chunk
        : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      const line = lineOf(pending.slice(start, end));
      start = end + 1;
      if (line.trim() !== '') yield line;
    }
    // One slice per chunk, not per line: the remainder is only the unfinished line.
    pending = pending.slice(start);
    if (pending.length > maxLineLength) throw new LineTooLongError(maxLineLength);
  }
  pending += decoder.end();
  const last = lineOf(pending);
  if (last.trim() !== '') yield last;
}
