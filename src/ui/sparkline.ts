// A one-line chart of the latest values, scaled between their own min and max.
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

export function sparkline(values: readonly number[], width = 16): string {
  const xs = values.filter((v) => Number.isFinite(v)).slice(-width);
  if (xs.length === 0) return '';
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  // A flat series sits in the middle, so one value does not read as "lowest" or "highest".
  if (max === min) return BARS[3].repeat(xs.length);
  return xs.map((v) => BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))] as string).join('');
}
