import type { RunSpec } from '../jobs/run-spec.js';
import { splitBots } from '../jobs/run-spec.js';
import { escapeUserText, formatDuration } from './format.js';

/** One line describing a spec: `3 nodes (server + 2 bot nodes), 20 walk bots for 2 min, ramp 10/s`. */
export function describeSpec(spec: RunSpec): string {
  const layout =
    spec.nodes === 1
      ? '1 node (server and bots together)'
      : `${spec.nodes} nodes (server + ${spec.nodes - 1} bot node${spec.nodes === 2 ? '' : 's'}: ${splitBots(spec.bots, spec.nodes).join('/')} bots)`;
  const label = spec.label ? ` — “${escapeUserText(spec.label)}”` : '';
  return `${layout}, ${spec.bots} ${spec.behaviour} bots for ${formatDuration(spec.durationS)}, joining ${spec.rampPerS}/s${label}`;
}

/** Rough wall time of a run: set-up, baseline, ramp, load, teardown. Used for queue ETAs only. */
export function estimateRunSeconds(spec: RunSpec, baselineS = 10): number {
  const setup = 30 + 10 * spec.nodes;
  const ramp = spec.bots / spec.rampPerS;
  return Math.round(setup + baselineS + ramp + spec.durationS + 15);
}
