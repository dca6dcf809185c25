import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

// No Docker engine here: check the structure the deployment depends on.
describe('deployment files', () => {
  it('docker-compose.yml parses and has every service, with the settings that matter', () => {
    // Compose supports YAML merge keys (`<<: *app`); the yaml package needs them turned on.
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<
        string,
        {
          command?: string[];
          image?: string;
          environment?: Record<string, string>;
          volumes?: string[];
          env_file?: string;
        }
      >;
    };
    expect(Object.keys(compose.services).sort()).toEqual([
      'bot',
      'grafana',
      'influxdb',
      'quickchart',
      'redis',
      'worker',
    ]);
    const { redis, influxdb, quickchart, bot, worker, grafana } = compose.services;
    expect(redis?.command?.join(' ')).toContain('--appendonly yes');
    expect(influxdb?.environment?.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    expect(quickchart?.image).toBe('ianw/quickchart');
    expect(quickchart?.environment?.DISABLE_TELEMETRY).toBe('1');
    expect(bot?.env_file).toBe('.env');
    expect(bot?.command).toEqual(['node', 'dist/bot.js']);
    expect(worker?.command).toEqual(['node', 'dist/worker.js']);
    expect(worker?.volumes?.every((v) => v.endsWith(':ro'))).toBe(true);
    expect(worker?.volumes?.some((v) => v.includes('known_hosts'))).toBe(true);
    expect(grafana?.volumes?.some((v) => v.includes('deploy/grafana/provisioning'))).toBe(true);
  });

  it('grafana provisioning and the per-run dashboard are valid', () => {
    const ds = parse(read('deploy/grafana/provisioning/datasources/influxdb.yml')) as {
      datasources: { uid: string; type: string }[];
    };
    expect(ds.datasources[0]).toMatchObject({ uid: 'luanti-influx', type: 'influxdb' });
    const dash = JSON.parse(read('deploy/grafana/dashboards/luanti-bench-run.json')) as {
      templating: { list: { name: string }[] };
      panels: { title: string; targets: { query: string }[] }[];
    };
    expect(dash.templating.list.map((v) => v.name)).toEqual(['run']);
    const titles = dash.panels.map((p) => p.title).join(' | ');
    for (const word of ['CPU', 'Memory', 'Network', 'step']) expect(titles).toContain(word);
    for (const p of dash.panels) expect(p.targets[0]?.query).toContain('r.run == "${run}"');
  });
});
