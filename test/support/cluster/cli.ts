/**
 * `npm run cluster -- up [--hosts N] [--id ID] [--octet X] [--no-slurm] [--login-shell PATH]`
 * starts a test cluster and leaves it running; `npm run cluster -- down [--id ID]` removes it.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { cleanupLeftovers, startTestCluster, type TestCluster } from './test-cluster.js';
import { readState } from './state-file.js';

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number`);
  return Number(value);
}

/** What a person needs to use the cluster by hand. */
export function describeCluster(cluster: TestCluster): string {
  const ssh = `ssh -F /dev/null -i ${cluster.userKeyPath} -o UserKnownHostsFile=${cluster.knownHostsPath} -o StrictHostKeyChecking=yes`;
  const first = cluster.hosts[0];
  const lines = [
    `test cluster '${cluster.id}' is up (${cluster.timings.total ?? '?'} ms)`,
    `  dir          ${cluster.dir}`,
    `  user key     ${cluster.userKeyPath}`,
    `  known_hosts  ${cluster.knownHostsPath}`,
    ...(cluster.slurmConfPath ? [`  SLURM_CONF   ${cluster.slurmConfPath}`] : []),
    '',
    '  host     address          namespace',
    ...[...cluster.hosts, cluster.login].map((h) => `  ${h.name.padEnd(8)} ${h.address.padEnd(16)} ${h.namespace}`),
    '',
    `  ${ssh} ${cluster.user}@${first?.address ?? cluster.login.address}`,
    `  ${ssh} ${cluster.user}@${cluster.login.address} sinfo`,
    ...(cluster.slurmConfPath ? [`  SLURM_CONF=${cluster.slurmConfPath} sinfo`] : []),
    `  ip netns exec ${cluster.login.namespace} bash     # a shell on the login host, no SSH`,
    `  npm run cluster -- down --id ${cluster.id}`,
  ];
  return lines.join('\n') + '\n';
}

function buildProgram(): Command {
  const program = new Command('cluster')
    .description('Start or remove a luanti-bench test cluster (network namespaces, sshd, SLURM). Needs root.')
    .exitOverride();
  program
    .command('up')
    .description('start a test cluster and leave it running')
    .option('--hosts <n>', 'compute hosts node1..nodeN (1-99)', wholeNumber, 3)
    .option('--id <id>', 'cluster id: names namespaces, state file and dir', 'lbt')
    .option('--octet <x>', 'addresses are 10.X.k.2', wholeNumber, 213)
    .option('--no-slurm', 'only namespaces and sshd')
    .option('--login-shell <path>', "root's login shell inside the cluster, e.g. /bin/sh (default: as on this machine)")
    .action(async (opts: { hosts: number; id: string; octet: number; slurm: boolean; loginShell?: string }) => {
      const earlier = readState(opts.id);
      if (earlier)
        process.stderr.write(`replacing the earlier test cluster '${opts.id}' (${earlier.dir ?? 'no dir'})\n`);
      const cluster = await startTestCluster({
        hosts: opts.hosts,
        id: opts.id,
        octet: opts.octet,
        slurm: opts.slurm,
        ...(opts.loginShell === undefined ? {} : { loginShell: opts.loginShell }),
      });
      process.stdout.write(describeCluster(cluster));
    });
  program
    .command('down')
    .description('remove a test cluster (also one left by a crashed run)')
    .option('--id <id>', 'cluster id', 'lbt')
    .action(async (opts: { id: string }) => {
      const existed = readState(opts.id) !== null;
      const t0 = Date.now();
      await cleanupLeftovers(opts.id);
      process.stdout.write(
        `test cluster '${opts.id}' ${existed ? 'removed' : 'not recorded; removed any leftovers'} (${Date.now() - t0} ms)\n`,
      );
    });
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const err = error as Error;
    process.stderr.write(`${err.name}: ${err.message}\n`);
    process.exitCode = 1;
  }
}
