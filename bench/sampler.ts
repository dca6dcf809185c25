/**
 * Sampler fidelity and cost, for the pipeline's measurement claims (`tsx bench/sampler.ts`).
 *
 * 1. Own cost: the sampler script runs for a while against a run directory holding a process
 *    tree; its CPU (utime+stime of the shell plus everything it forked and reaped, i.e.
 *    cutime+cstime) per wall second is printed as % of one core. Goal ≤ 0.5 %.
 * 2. Fidelity: a synthetic load (a wrapper shell whose Node child spins 10 ms, sleeps 10 ms:
 *    about 50 % of one core) is measured by the sampler (`cpuProc`, from /proc/<pid>/stat
 *    deltas of the whole tree) and, independently, by the child itself (`process.cpuUsage()`,
 *    i.e. getrusage). The difference over the same window must stay within ±2 percentage points.
 *
 * 3. Scale: the own cost once more with a further group of `--many` sleeping processes, as a node
 *    running one process per bot would have.
 *
 * Prints medians over a few repetitions; nothing is asserted (the machine is shared and noisy).
 * Options: --seconds N (per repetition, default 10), --reps N (default 3), --many N (default 100).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from '../src/metrics/stats.js';
import { SamplerStream } from '../src/metrics/sampler-parser.js';
import { samplerArgv } from '../src/metrics/sampler-script.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} ${args[i + 1]}: must be a positive number`);
  return v;
};
const SECONDS = opt('seconds', 10);
const REPS = opt('reps', 3);
const MANY = opt('many', 100);
const CLK = 100;

const BUSY_CHILD = `
let last = 0;
const report = () => { const u = process.cpuUsage(); process.stdout.write(JSON.stringify({ t: Date.now(), us: u.user + u.system }) + '\\n'); };
setInterval(report, 100);
const tick = () => { const end = Date.now() + 10; while (Date.now() < end) last++; setTimeout(tick, 10); };
tick();
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function procTicks(pid: number, withChildren: boolean): number {
  const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = line.slice(line.lastIndexOf(')') + 2).split(' ');
  const n = (k: number) => Number(f[k - 3]);
  return n(14) + n(15) + (withChildren ? n(16) + n(17) : 0);
}

function killGroup(child: ChildProcess): void {
  if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function ownCost(runDir: string): Promise<number> {
  const argv = samplerArgv(runDir, 1);
  const sampler = spawn(argv[0] ?? 'sh', argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  sampler.stdout?.resume();
  await sleep(1500); // past the one-off header (reading /proc/cpuinfo)
  const pid = sampler.pid ?? 0;
  const t0 = performance.now();
  const c0 = procTicks(pid, true);
  await sleep(SECONDS * 1000);
  const c1 = procTicks(pid, true);
  const t1 = performance.now();
  killGroup(sampler);
  return ((c1 - c0) / CLK / ((t1 - t0) / 1000)) * 100;
}

interface Report {
  t: number;
  us: number;
}

async function fidelity(runDir: string, reports: Report[]): Promise<{ sampler: number; rusage: number }> {
  const argv = samplerArgv(runDir, 1);
  const stream = new SamplerStream();
  const samples: { t: number; cpuProc: number; busy: number }[] = [];
  const sampler = spawn(argv[0] ?? 'sh', argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  sampler.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const s = stream.push(line);
      // The sampler stamps frames with the node clock, the child with Date.now(): same machine, same clock.
      if (s) samples.push({ t: s.t, cpuProc: s.cpuProc, busy: stream.lastByLabel.busy?.cores ?? 0 });
    }
  });
  await sleep((SECONDS + 2) * 1000);
  killGroup(sampler);
  // Skip the first sample (its interval may start before the previous window's end).
  const window = samples.slice(1);
  const first = samples[0];
  const last = window.at(-1);
  if (!first || !last) throw new Error('the sampler gave fewer than 2 samples');
  const at = (t: number): Report => {
    let best = reports[0] as Report;
    for (const r of reports) if (Math.abs(r.t - t) < Math.abs(best.t - t)) best = r;
    return best;
  };
  const a = at(first.t);
  const b = at(last.t);
  const rusage = (b.us - a.us) / 1e3 / (b.t - a.t);
  const measured = window.reduce((x, s) => x + s.busy, 0) / window.length;
  return { sampler: measured * 100, rusage: rusage * 100 };
}

async function main(): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), 'luanti-bench-samplerbench-'));
  const reports: Report[] = [];
  // The load: a wrapper shell (the pid file's group leader) whose child does the work,
  // exactly like an external bot command started through a wrapper.
  const busy = spawn('sh', ['-c', 'echo $$ > "$1/busy.pid"; node -e "$2"; :', 'sh', runDir, BUSY_CHILD], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  busy.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      reports.push(JSON.parse(buf.slice(0, nl)) as Report);
      buf = buf.slice(nl + 1);
    }
  });
  // An idle neighbour group, so the per-frame tree walk has more than one group to read.
  const idle = spawn('sh', ['-c', 'echo $$ > "$1/idle.pid"; sleep 3600; :', 'sh', runDir], {
    detached: true,
    stdio: 'ignore',
  });
  try {
    await sleep(1000);
    const costs: number[] = [];
    const diffs: number[] = [];
    const rows: string[] = [];
    for (let i = 0; i < REPS; i++) {
      costs.push(await ownCost(runDir));
      const f = await fidelity(runDir, reports);
      diffs.push(f.sampler - f.rusage);
      rows.push(
        `  rep ${i + 1}: sampler ${f.sampler.toFixed(2)} % of a core, getrusage ${f.rusage.toFixed(2)} %, ` +
          `diff ${(f.sampler - f.rusage).toFixed(2)} pp; sampler own cost ${costs[i]?.toFixed(3)} %`,
      );
    }
    console.log(`sampler bench: ${REPS} repetitions of ${SECONDS} s, interval 1 s, 2 process groups (3 processes)`);
    for (const r of rows) console.log(r);
    console.log(`sampler own CPU, median: ${percentile(costs, 50).toFixed(3)} % of one core (goal <= 0.5 %)`);
    const many = spawn(
      'sh',
      [
        '-c',
        'echo $$ > "$1/many.pid"; i=0; while [ $i -lt "$2" ]; do sleep 3600 & i=$((i+1)); done; wait',
        'sh',
        runDir,
        String(MANY),
      ],
      { detached: true, stdio: 'ignore' },
    );
    try {
      await sleep(2000);
      const manyCost = await ownCost(runDir);
      console.log(`sampler own CPU with ${MANY} more processes in a group: ${manyCost.toFixed(3)} % of one core`);
    } finally {
      killGroup(many);
    }
    const absDiffs = diffs.map(Math.abs);
    console.log(
      `cpuProc vs getrusage of a ~50 % duty-cycle load, median |diff|: ${percentile(absDiffs, 50).toFixed(2)} pp, ` +
        `max |diff|: ${Math.max(...absDiffs).toFixed(2)} pp (goal <= 2 pp)`,
    );
  } finally {
    killGroup(busy);
    killGroup(idle);
    rmSync(runDir, { recursive: true, force: true });
  }
}

await main();
