import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serverSampleSchema } from '../../../src/jobs/benchmark/run-result.js';
import { stepStats } from '../../../src/metrics/step-stats.js';
import {
  PROBE_FILE_NAME,
  PROBE_HEADER,
  PROBE_INIT_LUA,
  PROBE_MOD_CONF,
  PROBE_MOD_NAME,
  probeFilePath,
  probeModFiles,
} from '../../../src/luanti/probe-mod.js';
import { parseProbeText, ProbeStream } from '../../../src/luanti/probe-parser.js';

// Written by the probe mod on the real minetestserver 5.6.1, idle, about 8 s.
const idle = readFileSync(new URL('./fixtures/probe-idle.csv', import.meta.url), 'utf8');

describe('probe mod files', () => {
  it('writes inside the world but not under worldmods (mod security)', () => {
    expect(PROBE_INIT_LUA).toContain(`core.get_worldpath() .. "/${PROBE_FILE_NAME}"`);
    expect(PROBE_FILE_NAME).not.toContain('/');
    expect(probeFilePath('/r/world/')).toBe(`/r/world/${PROBE_FILE_NAME}`);
    expect(probeModFiles().map((f) => f.path)).toEqual([
      `worldmods/${PROBE_MOD_NAME}/init.lua`,
      `worldmods/${PROBE_MOD_NAME}/mod.conf`,
    ]);
    expect(PROBE_MOD_CONF).toMatch(new RegExp(`^name = ${PROBE_MOD_NAME}$`, 'm'));
    expect(PROBE_MOD_NAME).toMatch(/^[a-z0-9_]+$/);
    expect(PROBE_INIT_LUA).toContain(PROBE_HEADER);
    expect(PROBE_INIT_LUA).toContain('register_on_shutdown');
  });
});

describe('probe parser on a captured file', () => {
  const { samples, steps, counters } = parseProbeText(idle);

  it('reads every step but the first, with idle steps near the nominal 90 ms', () => {
    const lines = idle.trim().split('\n');
    expect(lines[0]).toBe(PROBE_HEADER);
    expect(counters.badLines).toBe(0);
    expect(steps).toHaveLength(lines.length - 2);
    for (const s of steps) {
      expect(s.players).toBe(0);
      expect(s.dtimeMs).toBeCloseTo(90, 3);
      expect(s.wallMs).toBeGreaterThan(30);
    }
    const st = stepStats(
      steps.map((s) => s.wallMs),
      90,
    );
    expect(st?.p50Ms).toBeGreaterThan(80);
    expect(st?.p50Ms).toBeLessThan(130);
  });

  it('places steps on the wall clock within a second of os.time()', () => {
    const lines = idle.trim().split('\n').slice(2);
    steps.forEach((s, i) => {
      const wallS = Number(lines[i]?.split(',')[0]);
      expect(s.t / 1000).toBeGreaterThanOrEqual(wallS - 0.2);
      expect(s.t / 1000).toBeLessThan(wallS + 1.2);
    });
  });

  it('gives one valid ServerSample per second, covering every step once', () => {
    for (const s of samples) expect(serverSampleSchema.parse(s)).toEqual(s);
    expect(samples.reduce((n, s) => n + s.steps, 0)).toBe(steps.length);
    const times = samples.map((s) => s.t);
    expect(times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) === 1000)).toBe(true);
    const full = samples.slice(1, -1);
    expect(full.every((s) => s.steps >= 7 && s.steps <= 14)).toBe(true);
    expect(full.every((s) => s.lag > 0 && s.players === 0)).toBe(true);
    expect(full.every((s) => s.stepP50Ms <= s.stepP95Ms && s.stepP95Ms <= s.stepMaxMs)).toBe(true);
  });
});

describe('ProbeStream', () => {
  it('closes a second when a step of the next arrives', () => {
    const stream = new ProbeStream();
    const base = 1_000_000_000;
    const out = [
      PROBE_HEADER,
      `1000,${base},0,0,0.1`,
      `1000,${base + 400_000},0.4,3,0.4`,
      `1001,${base + 1_000_000},0.6,4,0.6`,
      `1001,${base + 1_100_000},0.1,4,0.6`,
      `1002,${base + 2_000_000},0.9,5,0.9`,
    ].flatMap((l) => stream.push(l));
    expect(out.map((s) => [s.t, s.steps, s.stepMaxMs, s.players])).toEqual([
      [1_001_000, 1, 400, 3],
      [1_002_000, 2, 600, 4],
    ]);
    expect(stream.flush().map((s) => [s.t, s.steps, s.stepAvgMs])).toEqual([[1_003_000, 1, 900]]);
  });

  it('counts malformed, unknown-version and backwards lines without failing', () => {
    const stream = new ProbeStream();
    for (const l of ['# luanti-bench probe v9', 'a,b,c', '1,2,3', '5,100,0,0,0', '5,90,0,0,0', '', '5,200,0.1,0,0']) {
      stream.push(l);
    }
    expect(stream.counters).toEqual({ lines: 6, steps: 1, badLines: 4 });
    expect(stream.headerSeen).toBe(false);
  });
});
