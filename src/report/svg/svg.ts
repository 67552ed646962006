/** Small helpers shared by the chart renderers. */
import { html, SafeHtml } from '../safe-html.ts';

/** A coordinate with one decimal: enough for a screen, and the same text on every machine. */
export function num(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** A rough width of a text in px at `fontSize` (sans-serif averages about 0.58 em per character). */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.58;
}

export interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dash?: string | null;
}

/** One row of swatches and names, wrapping onto more rows when the width runs out; returns its height. */
export function legend(
  items: readonly LegendItem[],
  x: number,
  y: number,
  maxWidth: number,
): {
  svg: SafeHtml;
  height: number;
} {
  if (items.length === 0) return { svg: new SafeHtml(''), height: 0 };
  const rowHeight = 16;
  let cx = x;
  let cy = y;
  const parts: SafeHtml[] = [];
  for (const item of items) {
    const width = 22 + textWidth(item.name, 11) + 14;
    if (cx > x && cx + width > x + maxWidth) {
      cx = x;
      cy += rowHeight;
    }
    parts.push(
      html`<g class="legend-item"><line x1="${num(cx)}" y1="${num(cy + 6)}" x2="${num(cx + 16)}" y2="${num(cy + 6)}" stroke="${item.color}" stroke-width="2.5"${item.dash ? html` stroke-dasharray="${item.dash}"` : ''}/><text x="${num(cx + 21)}" y="${num(cy + 10)}" font-size="11">${item.name}</text></g>`,
    );
    cx += width;
  }
  return { svg: html`<g class="legend">${parts}</g>`, height: cy - y + rowHeight };
}

/** The opening of a chart: an accessible title, the font, a white background for printing. */
export function frame(width: number, height: number, title: string, body: SafeHtml, id: string): SafeHtml {
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"><title id="${id}-title">${title}</title><rect width="${width}" height="${height}" fill="#fff"/>${body}</svg>`;
}
