/**
 * Escaping for every output format. Offline references, product names, server errors and trace details
 * come from devices and backends (a real one may send anything), so every string from data goes through
 * one of these before it is written.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** C0 controls but tab, newline and carriage return; DEL and the C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Text and attribute values in HTML (and SVG inside HTML). Control characters, which HTML forbids, become U+FFFD. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!).replace(CONTROLS, '\uFFFD');
}

/**
 * Text and attribute values in XML 1.0. Characters XML 1.0 cannot carry at all (most C0 controls, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD, or a JUnit reader rejects the whole file; tabs and newlines are
 * written as character references so attribute values keep them.
 */
export function escapeXml(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value[i]! + value[i + 1]!;
        i++;
      } else {
        out += '\uFFFD';
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\uFFFD';
      continue;
    }
    switch (code) {
      case 0x26:
        out += '&amp;';
        continue;
      case 0x3c:
        out += '&lt;';
        continue;
      case 0x3e:
        out += '&gt;';
        continue;
      case 0x22:
        out += '&quot;';
        continue;
      case 0x27:
        out += '&apos;';
        continue;
      case 0x09:
        out += '&#9;';
        continue;
      case 0x0a:
        out += '&#10;';
        continue;
      case 0x0d:
        out += '&#13;';
        continue;
    }
    if (code < 0x20 || code === 0xfffe || code === 0xffff) out += '\uFFFD';
    else out += value[i]!;
  }
  return out;
}

/**
 * Inline Markdown text (a table cell, a list item). A CI comment renders HTML inside Markdown, so `<` and `&`
 * become entities; `|` would end a table cell, and a newline would end the row; backticks, `*`, `_`, `[`
 * would start code, emphasis or links.
 */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n|\r/g, ' ');
}

/**
 * A Markdown code span: backticks (which would close it) become quotes, line breaks and control characters
 * spaces (a heading or a table row ends at a newline, and the span would never close). In a table cell a `|`
 * ends the cell even inside a code span, so GFM wants it escaped there (and only there: elsewhere the
 * backslash would show).
 */
export function markdownCode(value: string, place: 'cell' | 'line'): string {
  const text = value
    .replace(/`/g, "'")
    .replace(/\r\n|[\r\n\u2028\u2029]/g, ' ')
    .replace(CONTROLS, ' ');
  return `\`${place === 'cell' ? text.replace(/\|/g, '\\|') : text}\``;
}

/**
 * Text for a terminal. A seed, a scenario's names or a backend's data could carry escape sequences that set
 * the window title, clear the screen or worse: every control character but tab and newline is shown as
 * `\x1b`-style text. syncsim's own colours (SGR sequences, `ESC [ digits m`) are the one thing let through.
 */
export function terminalSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it finds
  return text.replace(/(\u001b\[[0-9;]*m)|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (match, colour) =>
    colour !== undefined ? colour : `\\x${match.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** A fence longer than any run of backticks in the text, so a code block cannot be closed from inside. */
export function markdownFence(text: string): string {
  let longest = 0;
  let run = 0;
  for (const char of text) {
    run = char === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return '`'.repeat(Math.max(3, longest + 1));
}
