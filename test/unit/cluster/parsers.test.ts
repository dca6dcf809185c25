import { describe, expect, it } from 'vitest';
import { parseSweepOutput, checkName } from '../../../src/cluster/remote-process.js';
import { parseNodeAddrs, parseQueueLine, slurmJobName } from '../../../src/cluster/slurm.js';
import { parseHostSpec } from '../../../src/cluster/ssh.js';
import { staticNodeName } from '../../../src/cluster/static.js';

describe('parseHostSpec', () => {
  const defaults = { user: 'bench', port: 22 };
  it.each([
    ['node1', { name: 'node1', host: 'node1', port: 22, user: 'bench' }],
    ['root@node1', { name: 'node1', host: 'node1', port: 22, user: 'root' }],
    ['root@10.0.0.5:2222', { name: '10.0.0.5', host: '10.0.0.5', port: 2222, user: 'root' }],
    ['fs0.das6.cs.vu.nl:22', { name: 'fs0.das6.cs.vu.nl', host: 'fs0.das6.cs.vu.nl', port: 22, user: 'bench' }],
    ['u@[::1]:2200', { name: '::1', host: '::1', port: 2200, user: 'u' }],
  ])('%s', (spec, expected) => {
    expect(parseHostSpec(spec, defaults)).toEqual(expected);
  });

  it.each(['', 'a b', 'host:99999', 'host:', '@host', 'a@b@c'])('refuses %j naming the form', (spec) => {
    expect(() => parseHostSpec(spec, defaults)).toThrow(/is not allowed: write \[user@\]host\[:port\]/);
  });
});

describe('SLURM output parsing', () => {
  it('reads NodeAddr per node from scontrol -o show node', () => {
    const text = [
      'NodeName=node1 Arch=x86_64 CoresPerSocket=1 NodeAddr=10.213.1.2 NodeHostName=node1 Version=22.05.8',
      'NodeName=node2 Arch=x86_64 NodeAddr=10.213.2.2 NodeHostName=node2',
      'garbage',
    ].join('\n');
    expect([...parseNodeAddrs(text)]).toEqual([
      ['node1', '10.213.1.2'],
      ['node2', '10.213.2.2'],
    ]);
  });

  it('reads one squeue line', () => {
    expect(parseQueueLine('PENDING||Resources\n')).toEqual({ state: 'PENDING', nodeList: '', reason: 'Resources' });
    expect(parseQueueLine('RUNNING|node[1-3]|None')).toEqual({
      state: 'RUNNING',
      nodeList: 'node[1-3]',
      reason: 'None',
    });
    expect(parseQueueLine('\n')).toBeUndefined();
  });

  it('names jobs by run', () => {
    expect(slurmJobName('run-42')).toBe('luanti-bench-run-42');
  });
});

describe('sweep report and names', () => {
  it('parses killed groups and removed directories, paths with spaces included', () => {
    const out =
      'killed 123 /tmp/w d/node1/run-1 server\nkilled 456 /tmp/w d/node1/run-1 swarm\nremoved /tmp/w d/node1/run-1\n';
    expect(parseSweepOutput('node1', out)).toEqual({
      node: 'node1',
      killed: [
        { pgid: 123, runDir: '/tmp/w d/node1/run-1', label: 'server' },
        { pgid: 456, runDir: '/tmp/w d/node1/run-1', label: 'swarm' },
      ],
      removedDirs: ['/tmp/w d/node1/run-1'],
    });
  });

  it('refuses labels that are not a single safe path component', () => {
    expect(checkName('process label', 'server-1.x')).toBe('server-1.x');
    for (const bad of ['', '../x', 'a/b', '$(touch x)', 'a b', '.hidden', 'x'.repeat(101)]) {
      expect(() => checkName('process label', bad)).toThrow(/process label .* is not allowed/);
    }
  });

  it('turns host names into node names', () => {
    expect(staticNodeName('node1.example.org')).toBe('node1.example.org');
    expect(staticNodeName('::1')).toBe('h_1');
  });
});
