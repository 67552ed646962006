/**
 * A tagged template for HTML and inline SVG that escapes every interpolated value unless it is already
 * SafeHtml, so forgetting to escape a product name is not possible by omission.
 */
import { escapeHtml } from './escape.ts';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Markup produced elsewhere and known to be escaped (an SVG chart). */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
