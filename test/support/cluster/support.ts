import { accessSync, constants, readFileSync } from 'node:fs';

const SBIN = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** Absolute path of an executable on PATH (or in the sbin directories, which root's PATH may lack), or null. */
export function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), ...SBIN];
  for (const dir of dirs) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return null;
}

/** CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21): needed for `ip netns add` and `ip netns exec`. */
function hasNetnsCapabilities(): boolean {
  try {
    const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!match?.[1]) return false;
    const caps = BigInt(`0x${match[1]}`);
    return (caps & (1n << 12n)) !== 0n && (caps & (1n << 21n)) !== 0n;
  } catch {
    return false;
  }
}

/**
 * Whether a test cluster can run here, and if not, why (for `describe.skipIf` messages).
 * `slurm: false` leaves out the SLURM and munge binaries.
 */
export function clusterSupport(options: { slurm?: boolean } = {}): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `test cluster needs Linux, not ${process.platform}` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'test cluster needs root (network namespaces, sshd)' };
  if (!hasNetnsCapabilities()) return { ok: false, reason: 'test cluster needs CAP_NET_ADMIN and CAP_SYS_ADMIN' };
  const needed = ['ip', 'sshd', 'ssh-keygen', 'ssh'];
  if (options.slurm !== false) needed.push('munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'sinfo');
  const missing = needed.filter((name) => findExecutable(name) === null);
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `test cluster needs ${missing.join(', ')} (Debian: iproute2 openssh-server slurmctld slurmd slurm-client munge)`,
    };
  }
  return { ok: true };
}
