import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entryMatches,
  fingerprint,
  HostKeyMismatchError,
  HostKeyUnknownError,
  KnownHosts,
  parseKnownHosts,
} from '../../../src/cluster/known-hosts.js';

const dir = mkdtempSync(join(tmpdir(), 'lb-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Key {
  type: string;
  base64: string;
  blob: Buffer;
  /** What `ssh-keygen -lf` prints. */
  sshFingerprint: string;
}

function makeKey(name: string, type: 'ed25519' | 'ecdsa'): Key {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'test', '-f', file]);
  const [keyType, base64] = readFileSync(`${file}.pub`, 'utf8').split(' ') as [string, string];
  const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]).toString();
  return {
    type: keyType,
    base64,
    blob: Buffer.from(base64, 'base64'),
    sshFingerprint: printed.split(' ')[1] as string,
  };
}

let a: Key;
let b: Key;
let c: Key;
beforeAll(() => {
  a = makeKey('a', 'ed25519');
  b = makeKey('b', 'ed25519');
  c = makeKey('c', 'ecdsa');
});

describe('fingerprint', () => {
  it('matches what ssh-keygen prints', () => {
    expect(fingerprint(a.blob)).toBe(a.sshFingerprint);
    expect(fingerprint(c.blob)).toBe(c.sshFingerprint);
    expect(fingerprint(a.blob)).not.toContain('=');
  });
});

describe('parseKnownHosts', () => {
  it('reads plain, comma lists, [host]:port, hashed; skips comments, markers and junk', () => {
    const hashedFile = join(dir, 'hashed');
    writeFileSync(hashedFile, `node7 ${a.type} ${a.base64}\n[node8]:2222 ${b.type} ${b.base64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', hashedFile], { stdio: 'ignore' });
    const hashed = readFileSync(hashedFile, 'utf8');
    expect(hashed).toContain('|1|');
    const text = [
      '# a comment',
      '',
      `node1,10.0.0.2 ${a.type} ${a.base64} root@node1`,
      `[login]:2222 ${b.type} ${b.base64}`,
      `@cert-authority *.example ${c.type} ${c.base64}`,
      `@revoked node1 ${b.type} ${b.base64}`,
      'garbage line',
      `broken ssh-ed25519 AAAAnotakey`,
      hashed.trim(),
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => e.line)).toEqual([3, 4, 9, 10]);
    const [plain, ported, hashed7, hashed8] = entries as [
      (typeof entries)[0],
      (typeof entries)[0],
      (typeof entries)[0],
      (typeof entries)[0],
    ];
    expect(entryMatches(plain, 'node1')).toBe(true);
    expect(entryMatches(plain, '10.0.0.2')).toBe(true);
    expect(entryMatches(plain, 'node1', 2222)).toBe(false);
    expect(entryMatches(ported, 'login', 2222)).toBe(true);
    expect(entryMatches(ported, 'login')).toBe(false);
    expect(entryMatches(hashed7, 'node7')).toBe(true);
    expect(entryMatches(hashed7, 'node70')).toBe(false);
    expect(entryMatches(hashed8, 'node8', 2222)).toBe(true);
    expect(entryMatches(hashed8, 'node8')).toBe(false);
  });

  it('supports wildcards and negation', () => {
    const [entry] = parseKnownHosts(`node*,!node9 ${a.type} ${a.base64}`);
    expect(entryMatches(entry!, 'node3')).toBe(true);
    expect(entryMatches(entry!, 'node9')).toBe(false);
    expect(entryMatches(entry!, 'login')).toBe(false);
  });
});

describe('KnownHosts.verify', () => {
  it('accepts the listed key, refuses a changed key naming host, fingerprint and line', async () => {
    const path = join(dir, 'kh1');
    writeFileSync(path, `# header\nnode1 ${a.type} ${a.base64}\n`);
    const known = await KnownHosts.load(path);
    await expect(known.verify(['node1'], 22, a.blob)).resolves.toBeUndefined();
    const error = await known.verify(['node1'], 22, b.blob).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect((error as Error).message).toContain('node1');
    expect((error as Error).message).toContain(b.sshFingerprint);
    expect((error as Error).message).toContain(`${path}:2`);
  });

  it('refuses an unknown host naming host and fingerprint', async () => {
    const path = join(dir, 'kh2');
    writeFileSync(path, `node1 ${a.type} ${a.base64}\n`);
    const known = await KnownHosts.load(path);
    const error = await known.verify(['node2', '10.0.0.3'], 22, b.blob).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyUnknownError);
    expect((error as Error).message).toContain('node2');
    expect((error as Error).message).toContain(b.sshFingerprint);
  });

  it('trusts on first use only when configured, appending a line OpenSSH accepts', async () => {
    const path = join(dir, 'kh3');
    writeFileSync(path, `node1 ${a.type} ${a.base64}`); // no trailing newline
    const known = await KnownHosts.load(path, { trustOnFirstUse: true });
    await known.verify(['node2'], 2222, b.blob);
    await known.verify(['node2'], 2222, b.blob);
    await expect(known.verify(['node2'], 2222, c.blob)).rejects.toBeInstanceOf(HostKeyMismatchError);
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(`node1 ${a.type} ${a.base64}\n[node2]:2222 ${b.type} ${b.base64}\n`);
    const found = execFileSync('ssh-keygen', ['-F', '[node2]:2222', '-f', path]).toString();
    expect(found).toContain(b.base64);
    const reloaded = await KnownHosts.load(path);
    await expect(reloaded.verify(['node2'], 2222, b.blob)).resolves.toBeUndefined();
  });

  it('treats a missing file as empty', async () => {
    const known = await KnownHosts.load(join(dir, 'does-not-exist'));
    await expect(known.verify(['x'], 22, a.blob)).rejects.toBeInstanceOf(HostKeyUnknownError);
  });
});
