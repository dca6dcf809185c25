import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';

/**
 * OpenSSH known_hosts, read by us because ssh2 never checks host keys by itself
 * (without a `hostVerifier` every key is accepted).
 */

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** 1-based line number in the file, for messages. */
  line: number;
  /** The line as written. */
  text: string;
  /** Plain patterns (`name`, `*.example`, `!bad`, `[host]:2222`) or one hashed name. */
  patterns: string[];
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  /** The key blob (what the server sends during key exchange). */
  key: Buffer;
}

/** The host offered a key that known_hosts does not list, and trust on first use is off. */
export class HostKeyUnknownError extends Error {
  override readonly name = 'HostKeyUnknownError';
  constructor(
    readonly host: string,
    readonly fingerprint: string,
    readonly knownHostsPath: string,
  ) {
    super(
      `Host key of ${host} is not known (${fingerprint}); add it to ${knownHostsPath} ` +
        `(e.g. ssh-keyscan) or set SSH_TRUST_ON_FIRST_USE=true to accept it once`,
    );
  }
}

/** The host offered a different key than known_hosts lists: possibly a reinstalled host, possibly an attack. */
export class HostKeyMismatchError extends Error {
  override readonly name = 'HostKeyMismatchError';
  constructor(
    readonly host: string,
    readonly fingerprint: string,
    readonly knownHostsPath: string,
    readonly knownLine: number,
  ) {
    super(
      `Host key of ${host} has CHANGED: it offered ${fingerprint}, which does not match ${knownHostsPath}:${knownLine}; ` +
        `refusing to connect. If the host was reinstalled, remove that line`,
    );
  }
}

/** How OpenSSH prints a key fingerprint: `SHA256:` and unpadded base64 of the SHA-256 of the key blob. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return '';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('latin1');
}

/** The name known_hosts uses for a host: plain on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Parse known_hosts text. Comments, blank lines, `@cert-authority` and `@revoked` lines and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    // Markers change the meaning of a line (CA keys, revocations); we trust plain keys only.
    if (line.startsWith('@')) return;
    const fields = line.split(/\s+/);
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0 || keyTypeOf(key) !== keyType) return;
    const entry: KnownHostEntry = { line: index + 1, text: raw, patterns: [], keyType, key };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      if (!salt || !hash) return;
      entry.hashed = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
    } else {
      entry.patterns = hosts.split(',').filter((p) => p.length > 0);
    }
    entries.push(entry);
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Whether `entry` names `host` on `port` (hashed names, comma lists, wildcards and `!negations`). */
export function entryMatches(entry: KnownHostEntry, host: string, port = 22): boolean {
  const name = hostKeyName(host, port);
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return digest.equals(entry.hashed.hash);
  }
  let matched = false;
  for (const pattern of entry.patterns) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(glob).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Settings of {@link KnownHosts}. */
export interface KnownHostsOptions {
  /** Append unknown hosts' keys instead of refusing them (SSH_TRUST_ON_FIRST_USE). Default false. */
  trustOnFirstUse?: boolean;
}

/**
 * The contents of one known_hosts file and the check made for every connection
 * (each hop against its own name).
 */
export class KnownHosts {
  private constructor(
    readonly path: string,
    private entries: KnownHostEntry[],
    /** Lines in the file so far; `needsNewline` when the last one is unterminated. */
    private lineCount: number,
    private needsNewline: boolean,
    private readonly options: KnownHostsOptions,
  ) {}

  /** Read `path`; a missing file counts as empty (every host unknown). */
  static async load(path: string, options: KnownHostsOptions = {}): Promise<KnownHosts> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return KnownHosts.fromText(path, text, options);
  }

  /** Like {@link KnownHosts.load}, synchronously (for start-up code that cannot wait). */
  static loadSync(path: string, options: KnownHostsOptions = {}): KnownHosts {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return KnownHosts.fromText(path, text, options);
  }

  private static fromText(path: string, text: string, options: KnownHostsOptions): KnownHosts {
    const lines = text === '' ? 0 : text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
    return new KnownHosts(path, parseKnownHosts(text), lines, text !== '' && !text.endsWith('\n'), options);
  }

  /**
   * Accept `key` for the host known as any of `names` on `port`, or throw
   * {@link HostKeyMismatchError} / {@link HostKeyUnknownError}. With trust on first
   * use, an unknown key is appended to the file and accepted.
   */
  async verify(names: readonly string[], port: number, key: Buffer): Promise<void> {
    const unique = [...new Set(names.filter((n) => n.length > 0))];
    const display = unique.length > 0 ? hostKeyName(unique[0] as string, port) : '(unnamed host)';
    const known = this.entries.filter((e) => unique.some((name) => entryMatches(e, name, port)));
    if (known.some((e) => e.key.equals(key))) return;
    const print = fingerprint(key);
    const sameType = known.find((e) => e.keyType === keyTypeOf(key)) ?? known[0];
    if (sameType) throw new HostKeyMismatchError(display, print, this.path, sameType.line);
    if (!this.options.trustOnFirstUse) throw new HostKeyUnknownError(display, print, this.path);
    const text = `${unique.map((n) => hostKeyName(n, port)).join(',')} ${keyTypeOf(key)} ${key.toString('base64')}`;
    await appendFile(this.path, `${this.needsNewline ? '\n' : ''}${text}\n`, { mode: 0o600 });
    this.needsNewline = false;
    this.lineCount += 1;
    this.entries = [...this.entries, ...parseKnownHosts(text).map((e) => ({ ...e, line: this.lineCount }))];
  }
}
