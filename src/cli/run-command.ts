import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { Redis } from 'ioredis';
import type { ClusterBackend } from '../cluster/backend.js';
import { createBackend } from '../cluster/create-backend.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { runBenchmark } from '../jobs/benchmark/pipeline.js';
import { parseRunSpec, type RunSpecInput } from '../jobs/run-spec.js';
import { writeReport } from '../report/write-report.js';
import { parseSweep, SweepParseError, type Sweep } from '../report/sweep.js';
import { formatSummary, RunView } from './run-view.js';
import { runSweep, stepSpecs } from './sweep-runner.js';

/** Options as commander parses them. */
interface RunOptions {
  nodes: number;
  /** Required unless `sweep` gives the bot counts. */
  bots?: number;
  duration?: number;
  cluster?: 'local' | 'static' | 'slurm';
  behaviour?: string;
  ramp?: number;
  label?: string;
  out?: string;
  botCommand?: string;
  sweep?: string;
}

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n))
      throw new InvalidArgumentError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
    return n;
  };
}

function decimal(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(value)}`);
    return n;
  };
}

/** `cli-<timestamp>`: sortable, unique per second, valid as a directory and a remote run id. */
export function cliRunId(now: Date = new Date()): string {
  return `cli-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-')}`;
}

/** Parse `--bot-command` (a JSON array of argv elements) into the spec's bot runtime. */
export function parseBotCommand(text: string): { kind: 'command'; argv: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(
      `--bot-command must be a JSON array of strings, e.g. '["mybot","--host","{host}:{port}"]'; got ${JSON.stringify(text)}`,
    );
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => typeof x === 'string')) {
    throw new InvalidArgumentError(
      `--bot-command must be a non-empty JSON array of strings; got ${JSON.stringify(text)}`,
    );
  }
  return { kind: 'command', argv: parsed as string[] };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run one benchmark from this machine: reserve, measure, load, tear down, write result.json.')
    .requiredOption('--nodes <n>', 'nodes (node 1 runs the server)', integer('--nodes'))
    .option('--bots <n>', 'bots in total (required unless --sweep bots=… gives them)', integer('--bots'))
    .option('--duration <s>', 'load phase in seconds (default 120)', integer('--duration'))
    .option('--cluster <kind>', 'local | static | slurm (default: CLUSTER)')
    .option('--behaviour <b>', 'idle | walk | build (default walk)')
    .option('--ramp <perS>', 'joins per second (default 10)', decimal('--ramp'))
    .option('--label <text>', 'free text shown in the report')
    .option('--out <dir>', 'where to write result.json (default runs/<runId>/)')
    .option(
      '--bot-command <json>',
      'external bot program: argv template as a JSON array, with {host} {port} {count} {prefix} {duration}',
    )
    .option(
      '--sweep <key=v1,v2,…>',
      'run the same spec once per value, in one reservation (bots only, e.g. bots=3,5,20,100); writes sweep.txt and sweep.png',
    )
    .action(async (options: RunOptions) => {
      process.exitCode = await runCommand(options);
    });
}

/**
 * Bad `run` arguments found after parsing. Not a commander error on purpose: the
 * entry point treats those as already printed, and this message must be shown.
 */
export class RunArgumentError extends Error {
  override readonly name = 'RunArgumentError';
}

/** Parses `--sweep` for the CLI: bots only, since every step runs in one reservation of `--nodes` nodes. */
export function parseCliSweep(text: string, bots: number | undefined): Sweep {
  let sweep: Sweep;
  try {
    sweep = parseSweep(text);
  } catch (error) {
    if (error instanceof SweepParseError) throw new RunArgumentError(`--sweep: ${error.message}`);
    throw error;
  }
  if (sweep.key !== 'bots') {
    throw new RunArgumentError(
      `--sweep ${JSON.stringify(text)}: only bots can be swept (all steps share one reservation of --nodes nodes); e.g. bots=3,5,20,100`,
    );
  }
  if (bots !== undefined) {
    throw new RunArgumentError(
      `--bots ${bots} and --sweep ${JSON.stringify(text)} both set the bot count; give only --sweep`,
    );
  }
  return sweep;
}

/** The `run` subcommand; returns the exit code (0 ok, 1 failed, 130/143 cancelled by SIGINT/SIGTERM). */
export async function runCommand(options: RunOptions): Promise<number> {
  const config = loadConfig();
  if (options.cluster) {
    if (!['local', 'static', 'slurm'].includes(options.cluster)) {
      throw new RunArgumentError(`--cluster must be local, static or slurm; got ${JSON.stringify(options.cluster)}`);
    }
    config.CLUSTER = options.cluster;
  }
  const sweep = options.sweep === undefined ? null : parseCliSweep(options.sweep, options.bots);
  const bots = sweep ? sweep.values[0] : options.bots;
  if (bots === undefined) {
    throw new RunArgumentError('--bots <n> is required (or --sweep bots=v1,v2,… to run several bot counts)');
  }
  const input: RunSpecInput = { nodes: options.nodes, bots };
  if (options.duration !== undefined) input.durationS = options.duration;
  if (options.behaviour !== undefined) input.behaviour = options.behaviour as RunSpecInput['behaviour'];
  if (options.ramp !== undefined) input.rampPerS = options.ramp;
  if (options.label !== undefined) input.label = options.label;
  if (options.botCommand !== undefined) input.botRuntime = parseBotCommand(options.botCommand);
  const spec = parseRunSpec(input);
  // Every step's spec is checked before anything is reserved.
  if (sweep) stepSpecs(spec, sweep);

  const runId = cliRunId();
  const outDir = options.out ?? join('runs', runId);
  const logger = createLogger(config);
  const view = new RunView();
  const controller = new AbortController();
  let exitSignal: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (exitSignal) {
      process.stderr.write(`\n${signal} again: teardown is still running; waiting for it to finish\n`);
      return;
    }
    exitSignal = signal;
    process.stderr.write(`\n${signal}: cancelling, tearing down…\n`);
    controller.abort(new Error(`${signal} received`));
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  // Static hosts are locked in Redis so a CLI run and the bot's worker never share a host.
  const redis =
    config.CLUSTER === 'static' ? new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 }) : null;
  let backend: ClusterBackend | undefined;
  try {
    if (sweep) {
      // The sweep holds one reservation across steps, so it owns the backend rather than each run.
      backend = createBackend(config, redis ? { logger, redis } : { logger });
      process.stderr.write(
        `sweep ${runId}: ${spec.nodes} nodes, bots=${sweep.values.join(',')}, ${spec.durationS} s each on ${config.CLUSTER}\n`,
      );
      const outcome = await runSweep(
        { baseRunId: runId, spec, sweep, outDir },
        { config, logger, signal: controller.signal, backend, out: process.stderr },
      );
      const chartLine = outcome.chartPath ? `chart: ${outcome.chartPath}` : `chart: not drawn (${outcome.chartError})`;
      process.stdout.write(`${outcome.table}\ntable: ${outcome.tablePath}\n${chartLine}\n`);
      if (exitSignal) return exitSignal === 'SIGTERM' ? 143 : 130;
      return outcome.steps.every((s) => s.result?.state === 'completed') ? 0 : 1;
    }
    backend = redis ? createBackend(config, { logger, redis }) : undefined;
    process.stderr.write(
      `run ${runId}: ${spec.nodes} nodes, ${spec.bots} bots, ${spec.durationS} s on ${config.CLUSTER}\n`,
    );
    const result = await runBenchmark(
      { runId, spec },
      { config, logger, signal: controller.signal, onProgress: view.sink, backend },
    );
    view.finish();
    await mkdir(outDir, { recursive: true });
    const resultPath = join(outDir, 'result.json');
    await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
    let chartLine = '';
    try {
      const report = await writeReport(result, outDir, { quickchartUrl: config.QUICKCHART_URL, logger });
      chartLine = `chart: ${report.chart}\n`;
    } catch (error) {
      // The result is already on disk; a chart failure must not turn a run into an error.
      chartLine = `chart: not drawn (${(error as Error).message})\n`;
    }
    process.stdout.write(`${formatSummary(result)}\nresult: ${resultPath}\n${chartLine}`);
    if (result.state === 'cancelled') return exitSignal === 'SIGTERM' ? 143 : 130;
    return result.state === 'completed' ? 0 : 1;
  } finally {
    await backend?.close().catch(() => undefined);
    redis?.disconnect();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
