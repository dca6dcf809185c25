import { describe, expect, it } from 'vitest';
import { buildChartSet } from '../../../src/report/chart-configs.js';
import { renderRunChart } from '../../../src/report/render.js';
import { nodeColour } from '../../../src/report/palette.js';
import { nodeLostRun, sixteenNodeHourRun, threeNodeRun } from '../../support/fixtures/run-result-fixture.js';
import { countColour, readPng } from './png.js';

describe('local renderer (chart.js on @napi-rs/canvas)', () => {
  it('renders a 3-node run to a 1600×1200 PNG in which every node colour appears', async () => {
    const result = threeNodeRun();
    const png = await renderRunChart(result);
    const image = readPng(png);
    expect([image.width, image.height]).toEqual([1600, 1200]);
    for (const node of result.nodes) {
      // Legend swatches alone are 26 × 12 = 312 pixels; the lines in four panels add far more.
      expect(countColour(image, nodeColour(node)), node.name).toBeGreaterThan(1000);
    }
    // Text rendered: dark title pixels exist in the header band.
    const titleDark = countColour(image, '#111111');
    expect(titleDark).toBeGreaterThan(500);
  });

  it('renders a run whose node was lost half-way, with the lost mark drawn', async () => {
    const png = await renderRunChart(nodeLostRun());
    const image = readPng(png);
    expect(image.width).toBe(1600);
    // #b00020: the dashed vertical mark in four panels and the warning lines.
    expect(countColour(image, '#b00020')).toBeGreaterThan(2000);
  });

  it('renders a 16-node one-hour run', async () => {
    const result = sixteenNodeHourRun();
    const image = readPng(await renderRunChart(result));
    expect(image.height).toBe(1200);
    expect(buildChartSet(result).legend).toHaveLength(16);
  });
});
