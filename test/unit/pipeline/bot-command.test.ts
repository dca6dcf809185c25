import { describe, expect, it } from 'vitest';
import { substituteBotCommand } from '../../../src/jobs/benchmark/bot-command.js';

const values = { host: '10.0.0.2', port: 30042, count: 7, prefix: 'bot', duration: 90 };

describe('substituteBotCommand', () => {
  it('substitutes placeholders per element, several per element', () => {
    expect(
      substituteBotCommand(
        ['node', 'b.mjs', '--server', '{host}:{port}', '--bots', '{count}', '-n', '{prefix}-{duration}s'],
        values,
      ),
    ).toEqual(['node', 'b.mjs', '--server', '10.0.0.2:30042', '--bots', '7', '-n', 'bot-90s']);
  });

  it('never splits or shell-expands: values stay one argv element', () => {
    const argv = substituteBotCommand(['echo', '{prefix}'], { ...values, prefix: 'a b; rm -rf /' });
    expect(argv).toEqual(['echo', 'a b; rm -rf /']);
  });

  it('names an unknown placeholder and lists the allowed ones', () => {
    expect(() => substituteBotCommand(['x', '--pw={password}'], values)).toThrow(
      /element 1 .*\{password\}.*\{host\} \{port\} \{count\} \{prefix\} \{duration\}/,
    );
  });
});
