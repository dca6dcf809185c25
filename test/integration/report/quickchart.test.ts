import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChartSet } from '../../../src/report/chart-configs.js';
import { renderRunChart } from '../../../src/report/render.js';
import {
  fetchPanelPng,
  parseQuickChartUrl,
  QuickChartError,
  requestBodySize,
} from '../../../src/report/render-quickchart.js';
import { nodeLostRun, sixteenNodeHourRun, threeNodeRun } from '../../support/fixtures/run-result-fixture.js';
import { readPng } from '../../unit/report/png.js';
import { startQuickChartEmulator, type QuickChartEmulator } from './quickchart-emulator.js';

let qc: QuickChartEmulator;
beforeAll(async () => {
  qc = await startQuickChartEmulator();
});
afterAll(async () => {
  await qc?.close();
});

describe('quickchart renderer against a local POST /chart endpoint', () => {
  it('renders the composite from four Chart.js v4 panels', async () => {
    qc.requests.length = 0;
    const png = await renderRunChart(threeNodeRun(), { quickchartUrl: qc.url });
    const image = readPng(png);
    expect([image.width, image.height]).toEqual([1600, 1200]);
    expect(qc.requests).toHaveLength(4);
    for (const r of qc.requests) expect(r.version).toBe('4');
  });

  it('keeps request bodies under 100 kB for a 16-node one-hour run', async () => {
    qc.requests.length = 0;
    const png = await renderRunChart(sixteenNodeHourRun(), { quickchartUrl: qc.url });
    expect(readPng(png).width).toBe(1600);
    expect(qc.requests).toHaveLength(4);
    for (const r of qc.requests) expect(r.size).toBeLessThan(100_000);
  });

  it('a body over 100 kB gets 413 and the x-quickchart-error text in a typed error', async () => {
    const target = parseQuickChartUrl(qc.url);
    const [panel] = buildChartSet(sixteenNodeHourRun(), { maxPoints: 4000 }).panels;
    if (!panel) throw new Error('no panel');
    expect(requestBodySize(target, panel, 800, 500)).toBeGreaterThan(100 * 1024);
    const error = await fetchPanelPng(target, panel, 800, 500, { fit: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuickChartError);
    const qcError = error as QuickChartError;
    expect(qcError.name).toBe('QuickChartError');
    expect(qcError.status).toBe(413);
    expect(qcError.detail).toMatch(/request entity too large/);
    expect(qcError.message).toContain(qc.url);
  });

  it('a server that is not there is a QuickChartError without status', async () => {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    const error = await renderRunChart(nodeLostRun(), { quickchartUrl: 'http://127.0.0.1:9' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuickChartError);
    expect((error as QuickChartError).status).toBeNull();
  });

  it('rejects a QUICKCHART_URL with a path, naming it', () => {
    expect(() => parseQuickChartUrl('http://127.0.0.1:3400/qc')).toThrow(/must not have a path \(got \/qc\)/);
  });
});
