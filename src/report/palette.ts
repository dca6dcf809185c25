import type { NodeResult } from '../jobs/benchmark/run-result.js';

/**
 * One colour per node, the same in every panel and in the legend. The server node
 * gets a colour no bot node uses, and a thicker line, so it stands out at a glance.
 */

export const SERVER_COLOUR = '#d62728';

/** Bot node colours: distinct hues without red, readable on white. */
const BOT_COLOURS = [
  '#1f77b4',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#0b3d91',
  '#006d2c',
  '#b35806',
  '#542788',
  '#01665e',
  '#c51b7d',
  '#4d4d4d',
] as const;

/** Colour of a node: red for the node hosting the server, else by its position among bot nodes. */
export function nodeColour(node: Pick<NodeResult, 'index' | 'role'>): string {
  if (node.role !== 'bots') return SERVER_COLOUR;
  const i = node.index - 2;
  const fixed = BOT_COLOURS[i % BOT_COLOURS.length];
  if (i < BOT_COLOURS.length && fixed !== undefined) return fixed;
  // Beyond 16 bot nodes: spread hues, skipping red (0°) so the server stays unique.
  const hue = 30 + ((i * 137.508) % 300);
  return `hsl(${hue.toFixed(0)}, 65%, 40%)`;
}

/** `#rrggbb` → `rgba(r, g, b, a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h ?? '0', 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
