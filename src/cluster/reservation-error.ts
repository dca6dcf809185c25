/**
 * Nodes could not be had: too few hosts, a SLURM queue wait that ran out, a
 * rejected submission. The message says which cluster, how many nodes were
 * asked for and what to change.
 */
export class ReservationError extends Error {
  override readonly name = 'ReservationError';
}
