import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { InfluxSink } from '../../../src/metrics/influx-sink.js';

describe('InfluxSink.fromConfig', () => {
  it('is off unless INFLUX_URL is set', () => {
    expect(InfluxSink.fromConfig(loadConfig({}), { run: 'run-1', cluster: 'local' })).toBeNull();
    const sink = InfluxSink.fromConfig(loadConfig({ INFLUX_URL: 'http://127.0.0.1:1/' }), {
      run: 'run-1',
      cluster: 'local',
    });
    expect(sink).toBeInstanceOf(InfluxSink);
    expect(sink?.warning).toBeNull();
    expect(sink?.counts).toEqual({ queued: 0, written: 0, failed: 0 });
  });

  it('skips points without a finite field and writes nothing after close', async () => {
    const sink = new InfluxSink({
      url: 'http://127.0.0.1:1',
      org: 'o',
      bucket: 'b',
      tags: { run: 'r', cluster: 'local' },
    });
    const node = { node: 'n', role: 'bots', host: 'h' };
    sink.writeSwarm(node, {
      t: 1,
      joined: Number.NaN,
      joining: Number.NaN,
      failed: Number.NaN,
      rxPackets: Number.NaN,
      txPackets: Number.NaN,
      rttP50Ms: null,
      rttP95Ms: null,
    });
    expect(sink.counts.queued).toBe(0);
    await sink.close();
    sink.writeSwarm(node, {
      t: 1,
      joined: 1,
      joining: 0,
      failed: 0,
      rxPackets: 0,
      txPackets: 0,
      rttP50Ms: 1,
      rttP95Ms: 2,
    });
    expect(sink.counts.queued).toBe(0);
    expect(sink.warning).toBeNull();
  });
});
