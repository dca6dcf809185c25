import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config.js';

const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const [toolPart = '', composePart = ''] = text.split('# --- docker-compose only');
const keysOf = (part: string) =>
  part
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => l.slice(0, l.indexOf('=')));

describe('.env.example', () => {
  it('lists every configuration key, and nothing else, before the compose-only section', () => {
    expect(keysOf(toolPart).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('lists every variable docker-compose.yml reads that the tool does not', () => {
    const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    const used = new Set([...compose.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]!));
    const toolKeys = new Set(Object.keys(envSchema.shape));
    const composeOnly = [...used].filter((k) => !toolKeys.has(k)).sort();
    expect(keysOf(composePart).sort()).toEqual(composeOnly);
  });
});
