import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../../src/report/write-report.js';
import { nodeLostRun, singleNodeRun, threeNodeRun } from '../../support/fixtures/run-result-fixture.js';
import { readPng } from '../../unit/report/png.js';
import { startQuickChartEmulator, type QuickChartEmulator } from './quickchart-emulator.js';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
let dir: string;
let qc: QuickChartEmulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lb-report-'));
  qc = await startQuickChartEmulator();
});
afterAll(async () => {
  await qc?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the real CLI entry point (through tsx, as in development) with QuickChart unset. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, QUICKCHART_URL: '', LOG_LEVEL: 'silent' };
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli.ts', ...args], { cwd: root, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('writeReport', () => {
  it('writes chart.png and summary.txt beside result.json', async () => {
    const out = join(dir, 'local');
    await mkdir(out);
    const written = await writeReport(nodeLostRun(), out);
    expect(written.renderer).toBe('local');
    expect(readPng(await readFile(written.chart)).width).toBe(1600);
    const summary = await readFile(written.summary, 'utf8');
    expect(summary).toContain('run-8: 3 nodes, 20 bots, 2 min — node lost');
    expect(summary).toContain('WARN node lost: node3');
  });

  it('uses QuickChart when configured, and falls back to local when it fails', async () => {
    const viaQc = await writeReport(threeNodeRun(), dir, { quickchartUrl: qc.url });
    expect(viaQc.renderer).toBe('quickchart');
    const fallback = await writeReport(threeNodeRun(), dir, { quickchartUrl: 'http://127.0.0.1:9' });
    expect(fallback.renderer).toBe('local');
    expect(readPng(await readFile(fallback.chart)).height).toBe(1200);
  });
});

describe('luanti-bench report / compare', () => {
  it('report re-renders a result.json and prints the summary', async () => {
    const file = join(dir, 'result.json');
    await writeFile(file, JSON.stringify(threeNodeRun()));
    const out = join(dir, 'again.png');
    const res = await cli(['report', file, '--out', out]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('run-7: 3 nodes, 20 bots, 2 min');
    expect(res.stdout).toContain(`chart: ${out}`);
    expect(readPng(await readFile(out)).width).toBe(1600);
  });

  it('report names the bad field of an invalid result and exits 1', async () => {
    const bad = JSON.parse(JSON.stringify(threeNodeRun())) as { spec: { bots: unknown } };
    bad.spec.bots = -3;
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(bad));
    const res = await cli(['report', file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/ReportInputError: .*bad\.json: field spec\.bots \(got -3\)/);
  });

  it('compare prints the side-by-side table and writes the overlay', async () => {
    const [a, b] = [join(dir, 'a.json'), join(dir, 'b.json')];
    await writeFile(a, JSON.stringify(singleNodeRun()));
    await writeFile(b, JSON.stringify(threeNodeRun()));
    const out = join(dir, 'overlay.png');
    const res = await cli(['compare', a, b, '--out', out]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/figure\s+run-6\s+run-7\s+delta\s+change/);
    expect(res.stdout).toContain('WARN spec differs: nodes 1 → 3');
    expect(readPng(await readFile(out)).width).toBe(1600);
  });
});
