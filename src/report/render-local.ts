import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { Chart, registerables } from 'chart.js';
import type { PanelConfig } from './chart-configs.js';
import { ensureChartFont } from './font.js';

/**
 * Draws Chart.js configs with chart.js itself on a Skia canvas: offline, no
 * browser. Chart.js picks its DOM-free platform when there is no `window`.
 */

let prepared = false;

function prepare(): void {
  if (prepared) return;
  Chart.register(...registerables);
  Chart.defaults.font.family = ensureChartFont();
  Chart.defaults.color = '#222222';
  Chart.defaults.devicePixelRatio = 1;
  prepared = true;
}

type ChartItem = ConstructorParameters<typeof Chart>[0];

/** Renders one config onto a new canvas of the given size (white background). */
export function renderPanelLocal(config: PanelConfig, width: number, height: number): Canvas {
  prepare();
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  // structuredClone: Chart.js mutates the config it is given (it adds parsed metadata).
  const chart = new Chart(ctx as unknown as ChartItem, structuredClone(config));
  chart.draw();
  // destroy() clears the canvas, so keep a copy of what was drawn first.
  const copy = createCanvas(width, height);
  copy.getContext('2d').drawImage(canvas, 0, 0);
  chart.destroy();
  return copy;
}
