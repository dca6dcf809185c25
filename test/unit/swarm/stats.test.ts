import { describe, expect, it } from 'vitest';
import { swarmSampleSchema } from '../../../src/jobs/benchmark/run-result.js';
import { parseSwarmLine, swarmStatsLineSchema } from '../../../src/swarm/stats.js';
import { Swarm } from '../../../src/swarm/swarm.js';

describe('swarm stats lines', () => {
  it('a real stats line of a swarm matches the documented schema and the pipeline sample', () => {
    const swarm = new Swarm({ host: '127.0.0.1', port: 1, bots: 3 });
    const line = JSON.parse(JSON.stringify(swarm.statsLine(1000)));
    expect(swarmStatsLineSchema.parse(line)).toMatchObject({ bots: 3, joined: 0, waiting: 3, rttP50Ms: null });
    expect(swarmSampleSchema.parse(line)).toMatchObject({ joined: 0, failed: 0, rxPackets: 0 });
    expect(parseSwarmLine(JSON.stringify({ ...line, final: true, summary: 'x' }))).toMatchObject({ final: true });
  });

  it('ignores lines that are not swarm JSON', () => {
    expect(parseSwarmLine('hello')).toBeNull();
    expect(parseSwarmLine('{"kind":"stats"}')).toBeNull();
    expect(parseSwarmLine('{"kind":"ready","t":1,"bots":2,"version":"0.1.0"}')).toMatchObject({ kind: 'ready' });
  });
});
