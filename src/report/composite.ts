import { createCanvas, type Canvas, type Image, type SKRSContext2D } from '@napi-rs/canvas';
import type { ChartSet, PanelConfig } from './chart-configs.js';
import { ensureChartFont } from './font.js';

/**
 * Lays out one PNG: a header (title, subtitle, node legend, warnings) above the
 * four panels in a 2 × 2 grid. Both renderers share it; they differ only in how
 * a panel image is produced.
 */

/** Size of the composite image. 1600 × 1200 stays legible when Discord scales it to a phone. */
export const COMPOSITE_WIDTH = 1600;
export const COMPOSITE_HEIGHT = 1200;

/** Produces one panel's image at the given size. */
export type PanelRenderer = (config: PanelConfig, width: number, height: number) => Promise<Canvas | Image>;

const PAD = 16;
const WARN_COLOUR = '#b00020';

interface HeaderLayout {
  height: number;
  draw: (ctx: SKRSContext2D) => void;
}

function layoutHeader(set: ChartSet, width: number, font: string): HeaderLayout {
  const measure = createCanvas(10, 10).getContext('2d');
  const ops: ((ctx: SKRSContext2D) => void)[] = [];
  let y = PAD;

  ops.push((ctx) => {
    ctx.fillStyle = '#111111';
    ctx.font = `bold 30px "${font}"`;
    ctx.textBaseline = 'top';
    ctx.fillText(set.title, PAD, PAD, width - 2 * PAD);
  });
  y += 38;
  const subY = y;
  ops.push((ctx) => {
    ctx.fillStyle = '#444444';
    ctx.font = `16px "${font}"`;
    ctx.fillText(set.subtitle, PAD, subY, width - 2 * PAD);
  });
  y += 26;

  // Legend: swatch + label (+ red flag), wrapped over as many rows as needed.
  measure.font = `17px "${font}"`;
  let x = PAD;
  const rowHeight = 26;
  for (const entry of set.legend) {
    const labelW = measure.measureText(entry.label).width;
    const flagText = entry.flag ? ` [${entry.flag}]` : '';
    const flagW = flagText ? measure.measureText(flagText).width : 0;
    const itemW = 34 + labelW + flagW + 22;
    if (x + itemW > width - PAD && x > PAD) {
      x = PAD;
      y += rowHeight;
    }
    const [ix, iy] = [x, y];
    ops.push((ctx) => {
      ctx.fillStyle = entry.colour;
      ctx.fillRect(ix, iy + 5, 26, 12);
      ctx.font = `17px "${font}"`;
      ctx.fillStyle = '#111111';
      ctx.fillText(entry.label, ix + 34, iy);
      if (flagText) {
        ctx.fillStyle = WARN_COLOUR;
        ctx.font = `bold 17px "${font}"`;
        ctx.fillText(flagText, ix + 34 + labelW, iy);
      }
    });
    x += itemW;
  }
  y += rowHeight + 4;

  // At most four warning lines: the rest is in the summary; the image must keep room for the panels.
  const shown = set.warnings.slice(0, 4);
  if (set.warnings.length > shown.length) shown.push(`… and ${set.warnings.length - shown.length} more warnings`);
  for (const line of shown) {
    const ly = y;
    ops.push((ctx) => {
      ctx.fillStyle = WARN_COLOUR;
      ctx.fillRect(PAD, ly + 2, 96, 20);
      ctx.fillStyle = '#ffffff';
      ctx.font = `bold 15px "${font}"`;
      ctx.fillText('WARNING', PAD + 8, ly + 4);
      ctx.fillStyle = WARN_COLOUR;
      ctx.font = `bold 17px "${font}"`;
      ctx.fillText(line, PAD + 106, ly + 2, width - 2 * PAD - 106);
    });
    y += 25;
  }
  return { height: y + 6, draw: (ctx) => ops.forEach((op) => op(ctx)) };
}

/** Renders every panel with `render` and composes them under the header into one PNG. */
export async function renderComposite(
  set: ChartSet,
  render: PanelRenderer,
  size: { width: number; height: number } = { width: COMPOSITE_WIDTH, height: COMPOSITE_HEIGHT },
): Promise<Buffer> {
  const font = ensureChartFont();
  const header = layoutHeader(set, size.width, font);
  const cols = Math.max(1, set.columns ?? 2);
  const rows = Math.ceil(set.panels.length / cols);
  const panelW = Math.floor(size.width / cols);
  const panelH = Math.floor((size.height - header.height) / Math.max(1, rows));
  // Panels are independent: render them together (QuickChart requests run in parallel).
  const images = await Promise.all(set.panels.map((p) => render(p, panelW, panelH)));

  const canvas = createCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size.width, size.height);
  header.draw(ctx);
  ctx.strokeStyle = '#dddddd';
  ctx.lineWidth = 1;
  images.forEach((image, i) => {
    const x = (i % cols) * panelW;
    const y = header.height + Math.floor(i / cols) * panelH;
    ctx.drawImage(image, x, y, panelW, panelH);
    ctx.strokeRect(x + 0.5, y + 0.5, panelW - 1, panelH - 1);
  });
  return canvas.encode('png');
}
