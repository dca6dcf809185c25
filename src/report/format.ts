/** Small number formatters shared by the summary, comparison and sweep tables. */

/** A share (0..1) as percent with one decimal: `0.123` → `12.3 %`. */
export function pct(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)} %`;
}

/** Bytes as GiB with one decimal. */
export function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** A byte rate, in the unit that keeps it short. */
export function rate(bytesPerS: number): string {
  const abs = Math.abs(bytesPerS);
  if (abs >= 1e6) return `${(bytesPerS / 1e6).toFixed(1)} MB/s`;
  if (abs >= 1e3) return `${(bytesPerS / 1e3).toFixed(1)} kB/s`;
  return `${Math.round(bytesPerS)} B/s`;
}

/** Milliseconds with precision that suits the size. */
export function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

/** Pads cells into aligned columns; numbers-looking cells are right-aligned. */
export function alignTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = /^([-+]?[\d.]+( ?[%a-zA-Z/]+)?|–)$/;
  return rows
    .map((row) =>
      row
        .map((cell, i) => (numeric.test(cell) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
