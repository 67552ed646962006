/**
 * Okabe–Ito colours: distinguishable with the common colour-vision deficiencies and still apart when printed
 * in grey. Lines also differ by dash pattern where it matters.
 */
export const PALETTE = {
  blue: '#0072b2',
  vermillion: '#d55e00',
  green: '#009e73',
  orange: '#e69f00',
  purple: '#cc79a7',
  sky: '#56b4e9',
  grey: '#6e7781',
  ink: '#1f2328',
  grid: '#d8dee4',
  axis: '#57606a',
  band: '#f2f4f7',
} as const;

export const SERIES_COLORS: readonly string[] = [
  PALETTE.blue,
  PALETTE.vermillion,
  PALETTE.green,
  PALETTE.orange,
  PALETTE.purple,
  PALETTE.sky,
];
