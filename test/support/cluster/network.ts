import { writeFileSync } from 'node:fs';
import { mustRun, runCommand, TestClusterError } from './run-command.js';

/** Where one host of the test cluster lives on the network. */
export interface HostPlan {
  /** `node1`..`nodeK` or `login`. */
  name: string;
  /** Network namespace `${id}-n${k}` or `${id}-login`. */
  namespace: string;
  /** k: 1..K for nodes, 100 for the login host. */
  index: number;
  /** 10.X.k.2, the host's own address. */
  address: string;
  /** 10.X.k.1, the root-namespace end of the veth pair (the host's default route). */
  gateway: string;
  /** Name of the root-namespace end of the veth pair (≤ 15 characters). */
  veth: string;
}

/** The login host's k. */
export const LOGIN_INDEX = 100;

/** Hosts node1..nodeK and the login host of cluster `id` in 10.`octet`.0.0/16. */
export function planHosts(id: string, octet: number, hosts: number): HostPlan[] {
  const plan = (name: string, namespace: string, index: number): HostPlan => ({
    name,
    namespace,
    index,
    address: `10.${octet}.${index}.2`,
    gateway: `10.${octet}.${index}.1`,
    veth: `${id}-v${index}`,
  });
  const nodes = Array.from({ length: hosts }, (_, i) => plan(`node${i + 1}`, `${id}-n${i + 1}`, i + 1));
  return [...nodes, plan('login', `${id}-login`, LOGIN_INDEX)];
}

/** True for the namespaces a cluster with this id makes, and no others. */
export function isClusterNamespace(id: string, namespace: string): boolean {
  return namespace === `${id}-login` || new RegExp(`^${id}-n\\d+$`).test(namespace);
}

/** The root-namespace veth end that belongs to one of cluster `id`'s namespaces. */
export function vethOfNamespace(id: string, namespace: string): string {
  const k = namespace === `${id}-login` ? LOGIN_INDEX : namespace.slice(`${id}-n`.length);
  return `${id}-v${k}`;
}

/** Names of the network namespaces that exist now (`ip netns list`). */
export async function listNamespaces(): Promise<string[]> {
  const result = await runCommand(['ip', 'netns', 'list']);
  return result.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name !== '');
}

/** Fails with a clear message when 10.`octet`.0.0/16 already has an address here (another cluster?). */
export async function assertOctetFree(octet: number): Promise<void> {
  const result = await mustRun('check addresses', ['ip', '-4', '-o', 'addr', 'show']);
  const prefix = `10.${octet}.`;
  const taken = result.stdout.split('\n').find((line) => line.includes(` inet ${prefix}`));
  if (taken) {
    const iface = taken.trim().split(/\s+/)[1] ?? '?';
    throw new TestClusterError(
      `octet ${octet} is in use: interface ${iface} already has an address in 10.${octet}.0.0/16 ` +
        `(another test cluster?); pass a different octet (1..254) or stop that cluster`,
    );
  }
}

/**
 * Creates every namespace with its veth pair, addresses, loopback and a route to 10.X.0.0/16
 * (one `ip -batch` in the root namespace plus one per namespace), and turns on
 * forwarding so hosts reach each other through the root namespace.
 */
export async function createNetwork(hosts: readonly HostPlan[]): Promise<void> {
  const root = hosts.flatMap((h) => [
    `netns add ${h.namespace}`,
    `link add ${h.veth} type veth peer name eth0 netns ${h.namespace}`,
    `addr add ${h.gateway}/24 dev ${h.veth}`,
    `link set ${h.veth} up`,
  ]);
  await mustRun('create namespaces', ['ip', '-batch', '-'], { stdin: root.join('\n') + '\n' });
  await Promise.all(
    hosts.map((h) =>
      mustRun(`configure namespace ${h.namespace}`, ['ip', '-n', h.namespace, '-batch', '-'], {
        stdin:
          [
            `addr add ${h.address}/24 dev eth0`,
            'link set eth0 up',
            'link set lo up',
            // only the cluster's own range, no default route: nothing in a host can send a packet
            // beyond the test addresses (the root namespace forwards), and anything else fails at once
            `route add ${h.gateway.split('.').slice(0, 2).join('.')}.0.0/16 via ${h.gateway}`,
          ].join('\n') + '\n',
      }),
    ),
  );
  writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n');
}

/** Deletes namespaces; a namespace that is already gone is not an error. Returns failures as messages. */
export async function deleteNamespaces(namespaces: readonly string[]): Promise<string[]> {
  const existing = new Set(await listNamespaces());
  const failures: string[] = [];
  await Promise.all(
    namespaces
      .filter((ns) => existing.has(ns))
      .map(async (ns) => {
        const result = await runCommand(['ip', 'netns', 'del', ns]);
        if (result.code !== 0) failures.push(`ip netns del ${ns}: ${result.stderr.trim()}`);
      }),
  );
  return failures;
}

/** Root-namespace veth ends of cluster `id` that still exist (`${id}-v<k>`). */
export async function listVeths(id: string): Promise<string[]> {
  const result = await runCommand(['ip', '-o', 'link', 'show']);
  const pattern = new RegExp(`^\\d+: (${id}-v\\d+)@`);
  return result.stdout
    .split('\n')
    .map((line) => pattern.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}
