import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterBackend } from '../cluster/backend.js';
import { HeldAllocation } from '../cluster/held-allocation.js';
import type { Config } from '../config.js';
import { runBenchmark } from '../jobs/benchmark/pipeline.js';
import type { RunResult } from '../jobs/benchmark/run-result.js';
import { parseRunSpec, type RunSpec } from '../jobs/run-spec.js';
import type { Logger } from '../log.js';
import { renderChartSet } from '../report/render.js';
import { buildSweep, formatSweepTable, type Sweep } from '../report/sweep.js';
import { writeReport } from '../report/write-report.js';
import { formatSummary, RunView } from './run-view.js';

/** Minutes of wall time per step beyond its load (mirrors the reserve phase's margin). */
const STEP_MARGIN_MINUTES = 10;

/** What to sweep and where to write it. */
export interface SweepRunInput {
  /** Id of the sweep; step k runs as `<baseRunId>-s<k>`, and the one reservation is made under it. */
  baseRunId: string;
  /** The spec every step shares except the swept value. */
  spec: RunSpec;
  sweep: Sweep;
  outDir: string;
}

/** What the sweep runs with. */
export interface SweepRunDeps {
  config: Config;
  logger: Logger;
  /** Aborting cancels the current step and skips the rest. */
  signal: AbortSignal;
  /** The real backend; the sweep holds one reservation from it. Not closed here. */
  backend: ClusterBackend;
  /** Where progress and per-step summaries go (stderr for the CLI). */
  out: NodeJS.WritableStream;
  /** Makes the live view of one step (default: a {@link RunView} on stderr). */
  makeView?: () => Pick<RunView, 'sink' | 'finish'>;
}

/** One step of a sweep. */
export interface SweepStep {
  index: number;
  value: number;
  runId: string;
  dir: string;
  /** Null when the step never ran (the sweep was cancelled before it). */
  result: RunResult | null;
}

/** What {@link runSweep} did. */
export interface SweepOutcome {
  steps: SweepStep[];
  /** The scaling table as printed and written to sweep.txt. */
  table: string;
  tablePath: string;
  /** Null when the chart could not be drawn (the reason is in `chartError`). */
  chartPath: string | null;
  chartError?: string;
  /** Real reservations made (1 when every step ran in the one held allocation). */
  reservations: number;
  allocationId: string | null;
}

/** The spec of each step, validated before anything is reserved. */
export function stepSpecs(spec: RunSpec, sweep: Sweep): RunSpec[] {
  return sweep.values.map((value) => parseRunSpec({ ...spec, [sweep.key]: value }));
}

/**
 * Runs the steps of a sweep in order in one held reservation, writing each step's
 * result.json and chart into `<out>/step-<k>-<key>-<value>/`, then the scaling table
 * (`sweep.txt`) and chart (`sweep.png`) into `<out>/`. A failed step is recorded and
 * the sweep goes on; a cancelled one ends it. The reservation is always released.
 */
export async function runSweep(input: SweepRunInput, deps: SweepRunDeps): Promise<SweepOutcome> {
  const { sweep, baseRunId, outDir } = input;
  const config = deps.config;
  const specs = stepSpecs(input.spec, sweep);
  const timeLimitMinutes = specs.reduce(
    (sum, s) => sum + Math.ceil((s.durationS + config.BASELINE_S + config.METRICS_GATE_S) / 60) + STEP_MARGIN_MINUTES,
    0,
  );
  const held = new HeldAllocation(deps.backend, {
    runId: baseRunId,
    timeLimitMinutes,
    logger: deps.logger.child({ sweep: baseRunId }),
  });
  const steps: SweepStep[] = specs.map((_, i) => {
    const value = sweep.values[i] ?? 0;
    return {
      index: i + 1,
      value,
      runId: `${baseRunId}-s${i + 1}`,
      dir: join(outDir, `step-${i + 1}-${sweep.key}-${value}`),
      result: null,
    };
  });
  let allocationId: string | null = null;
  try {
    for (const [i, step] of steps.entries()) {
      const spec = specs[i];
      if (deps.signal.aborted || !spec) break;
      deps.out.write(`\nstep ${step.index}/${steps.length}: ${sweep.key}=${step.value} (run ${step.runId})\n`);
      const view = deps.makeView?.() ?? new RunView();
      const result = await runBenchmark(
        { runId: step.runId, spec },
        { config, logger: deps.logger, signal: deps.signal, onProgress: view.sink, backend: held },
      );
      view.finish();
      step.result = result;
      allocationId = held.allocation?.id ?? allocationId;
      await writeStep(step.dir, result, config, deps.logger);
      deps.out.write(`${formatSummary(result)}\nresult: ${join(step.dir, 'result.json')}\n`);
    }
  } finally {
    try {
      await held.releaseHeld();
    } catch (error) {
      deps.logger.error({ err: error, allocation: allocationId }, 'releasing the held allocation failed');
      deps.out.write(`could not release allocation ${allocationId ?? '(none)'}: ${(error as Error).message}\n`);
    }
  }
  return writeSweepReport(input, steps, held.reservations, allocationId, deps);
}

async function writeStep(dir: string, result: RunResult, config: Config, logger: Logger): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  try {
    await writeReport(result, dir, { quickchartUrl: config.QUICKCHART_URL, logger });
  } catch (error) {
    // The result is on disk; a step's chart is not worth losing the sweep over.
    logger.warn({ err: error, run: result.runId }, 'step chart not drawn');
  }
}

async function writeSweepReport(
  input: SweepRunInput,
  steps: SweepStep[],
  reservations: number,
  allocationId: string | null,
  deps: SweepRunDeps,
): Promise<SweepOutcome> {
  const { sweep, outDir, baseRunId } = input;
  await mkdir(outDir, { recursive: true });
  const results = steps.flatMap((s) => (s.result ? [s.result] : []));
  const lines = [
    `sweep ${baseRunId}: ${sweep.key}=${sweep.values.join(',')} on ${deps.backend.kind}, ` +
      `${results.length}/${steps.length} steps run, allocation ${allocationId ?? '(none)'} reserved ${reservations} time(s)`,
    '',
  ];
  const report = results.length > 0 ? buildSweep(results, sweep.key) : null;
  if (report) lines.push(formatSweepTable(report));
  for (const step of steps) {
    const r = step.result;
    if (!r) lines.push(`SKIP step ${step.index} (${sweep.key}=${step.value}): not run, the sweep was cancelled`);
    else if (r.state !== 'completed') {
      const where = r.error?.phase ? ` in ${r.error.phase}` : '';
      lines.push(
        `${r.state.toUpperCase()} step ${step.index} (${sweep.key}=${step.value}, ${r.runId})${where}: ${r.error?.message ?? r.state}`,
      );
    }
  }
  const table = lines.join('\n');
  const tablePath = join(outDir, 'sweep.txt');
  await writeFile(tablePath, `${table}\n`);
  const outcome: SweepOutcome = { steps, table, tablePath, chartPath: null, reservations, allocationId };
  if (!report) {
    outcome.chartError = 'no step ran';
    return outcome;
  }
  try {
    const png = await renderChartSet(report.chart, {
      quickchartUrl: deps.config.QUICKCHART_URL,
      fallbackToLocal: true,
      onFallback: (error) => deps.logger.warn({ err: error }, 'QuickChart failed; drawing the sweep chart locally'),
    });
    outcome.chartPath = join(outDir, 'sweep.png');
    await writeFile(outcome.chartPath, png);
  } catch (error) {
    outcome.chartError = (error as Error).message;
  }
  return outcome;
}
