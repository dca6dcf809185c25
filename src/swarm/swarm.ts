import type { Behaviour } from './behaviour/body.js';
import { BuildBehaviour } from './behaviour/build.js';
import { IdleBehaviour } from './behaviour/idle.js';
import { WalkBehaviour } from './behaviour/walk.js';
import { Bot, type BotState } from './bot.js';
import { FAILURE_TEXT, type FailureReason } from './failure.js';
import type { ConnectionTimings } from './protocol/connection.js';
import { percentile } from '../metrics/stats.js';
import type { SwarmStatsLine } from './stats.js';

/** Behaviours of the built-in swarm (same names as the run spec). */
export type SwarmBehaviour = 'idle' | 'walk' | 'build';

/** Settings of one swarm process. Defaults in {@link DEFAULT_SWARM}. */
export interface SwarmOptions {
  host: string;
  port: number;
  bots: number;
  /** Names are `prefix + index`. Default `bot`. */
  prefix: string;
  /** First index, so swarms on several nodes use distinct names. Default 1. */
  startIndex: number;
  behaviour: SwarmBehaviour;
  /** Joins per second; Luanti ≥5.9 throttles above 30 new peers per second. Default 10. */
  rampPerS: number;
  password: string;
  viewRangeNodes: number;
  /** Walk speed, nodes per second (≤ 4, the anticheat limit). Default 3. */
  walkSpeed: number;
  /** How often every bot is serviced (resends, movement). Default 50 ms. */
  tickMs: number;
  timings: Partial<ConnectionTimings>;
  joinTimeoutMs: number;
  /** Most RTT samples kept per stats interval. */
  maxRttSamples: number;
}

export const DEFAULT_SWARM: Omit<SwarmOptions, 'host' | 'port' | 'bots'> = {
  prefix: 'bot',
  startIndex: 1,
  behaviour: 'walk',
  rampPerS: 10,
  password: '',
  viewRangeNodes: 80,
  walkSpeed: 3,
  tickMs: 50,
  timings: {},
  joinTimeoutMs: 60_000,
  maxRttSamples: 4096,
};

interface Totals {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  resends: number;
  decodeErrors: number;
  posUpdates: number;
  posCorrections: number;
  blocks: number;
  mapEdits: number;
}

function emptyTotals(): Totals {
  return {
    rxPackets: 0,
    txPackets: 0,
    rxBytes: 0,
    txBytes: 0,
    resends: 0,
    decodeErrors: 0,
    posUpdates: 0,
    posCorrections: 0,
    blocks: 0,
    mapEdits: 0,
  };
}

function behaviourFor(kind: SwarmBehaviour, o: SwarmOptions): Behaviour {
  switch (kind) {
    case 'idle':
      return new IdleBehaviour();
    case 'walk':
      return new WalkBehaviour({ speed: o.walkSpeed });
    case 'build':
      return new BuildBehaviour();
  }
}

/**
 * Many bots on one event loop: one shared timer services all of them, joins are ramped, and
 * {@link statsLine} sums their counters for the once-a-second stats line.
 */
export class Swarm {
  readonly bots: Bot[] = [];
  private readonly options: SwarmOptions;
  private started = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly counts = new Map<BotState, number>();
  private readonly failedBy = new Map<FailureReason, number>();
  private everJoined = 0;
  private rtts: number[] = [];
  private rttSeen = 0;
  private last: Totals = emptyTotals();
  private lastStatsAt = 0;
  private idleResolve: (() => void) | null = null;
  private stopping = false;

  constructor(options: Partial<SwarmOptions> & Pick<SwarmOptions, 'host' | 'port' | 'bots'>) {
    this.options = { ...DEFAULT_SWARM, ...options };
    const o = this.options;
    for (let i = 0; i < o.bots; i++) {
      const index = o.startIndex + i;
      this.bots.push(
        new Bot(
          index,
          {
            host: o.host,
            port: o.port,
            name: `${o.prefix}${index}`,
            password: o.password,
            viewRangeNodes: o.viewRangeNodes,
            timings: o.timings,
            joinTimeoutMs: o.joinTimeoutMs,
          },
          behaviourFor(o.behaviour, o),
          {
            onState: (bot, from, to) => this.onState(bot, from, to),
            onRtt: (ms) => this.onRtt(ms),
          },
        ),
      );
    }
    this.counts.set('connecting', 0);
  }

  /** Start ramping joins; bots are serviced every `tickMs`. */
  start(now = Date.now()): void {
    if (this.timer) return;
    this.startedAt = now;
    this.lastStatsAt = now;
    this.timer = setInterval(() => this.tick(Date.now()), this.options.tickMs);
    this.tick(now);
  }

  private tick(now: number): void {
    // Never above 30 joins per second: Luanti ≥5.9 drops new peers beyond that.
    const rate = Math.min(this.options.rampPerS, 30);
    const due = this.stopping
      ? this.started
      : Math.min(this.bots.length, Math.floor(((now - this.startedAt) / 1000) * rate) + 1);
    while (this.started < due) {
      const bot = this.bots[this.started++]!;
      this.counts.set('connecting', (this.counts.get('connecting') ?? 0) + 1);
      bot.start();
    }
    for (let i = 0; i < this.started; i++) this.bots[i]!.tick(now);
    if (this.idleResolve && this.allDone()) {
      this.idleResolve();
      this.idleResolve = null;
    }
  }

  private onState(_bot: Bot, from: BotState, to: BotState): void {
    this.counts.set(from, (this.counts.get(from) ?? 1) - 1);
    this.counts.set(to, (this.counts.get(to) ?? 0) + 1);
    if (to === 'joined') this.everJoined += 1;
    if (to === 'failed' && _bot.failure) {
      this.failedBy.set(_bot.failure.reason, (this.failedBy.get(_bot.failure.reason) ?? 0) + 1);
    }
  }

  private onRtt(ms: number): void {
    // Reservoir sampling keeps the interval's percentiles fair with bounded memory.
    this.rttSeen += 1;
    if (this.rtts.length < this.options.maxRttSamples) this.rtts.push(ms);
    else {
      const j = Math.floor(Math.random() * this.rttSeen);
      if (j < this.rtts.length) this.rtts[j] = ms;
    }
  }

  count(state: BotState): number {
    return this.counts.get(state) ?? 0;
  }

  /** True when every bot has been started and has left or failed. */
  allDone(): boolean {
    return (
      (this.stopping || this.started === this.bots.length) && this.bots.slice(0, this.started).every((b) => b.done)
    );
  }

  /** Resolves when every bot has left or failed (e.g. all failed to connect). */
  whenAllDone(): Promise<void> {
    if (this.allDone()) return Promise.resolve();
    return new Promise((r) => (this.idleResolve = r));
  }

  /** The stats line for the interval since the previous call. */
  statsLine(now = Date.now()): SwarmStatsLine {
    const t = emptyTotals();
    for (const b of this.bots) {
      const c = b.connection.counters;
      t.rxPackets += c.rxPackets;
      t.txPackets += c.txPackets;
      t.rxBytes += c.rxBytes;
      t.txBytes += c.txBytes;
      t.resends += c.resends;
      t.decodeErrors += c.decodeErrors;
      t.posUpdates += b.posUpdates;
      t.posCorrections += b.corrections;
      t.blocks += b.blocks;
      t.mapEdits += b.edits;
    }
    const d = (k: keyof Totals): number => t[k] - this.last[k];
    const line: SwarmStatsLine = {
      kind: 'stats',
      t: now,
      intervalMs: now - (this.lastStatsAt || now),
      bots: this.bots.length,
      joined: this.count('joined'),
      joining: this.count('connecting') + this.count('authenticating') + this.count('loading'),
      failed: this.count('failed'),
      failedByReason: Object.fromEntries(this.failedBy),
      left: this.count('left'),
      waiting: this.bots.length - this.started,
      everJoined: this.everJoined,
      rxPackets: d('rxPackets'),
      txPackets: d('txPackets'),
      rxBytes: d('rxBytes'),
      txBytes: d('txBytes'),
      resends: d('resends'),
      decodeErrors: d('decodeErrors'),
      rttP50Ms: this.rtts.length > 0 ? round1(percentile(this.rtts, 50)) : null,
      rttP95Ms: this.rtts.length > 0 ? round1(percentile(this.rtts, 95)) : null,
      posUpdates: d('posUpdates'),
      posCorrections: d('posCorrections'),
      blocks: d('blocks'),
      mapEdits: d('mapEdits'),
    };
    this.last = t;
    this.lastStatsAt = now;
    this.rtts = [];
    this.rttSeen = 0;
    return line;
  }

  /** Disconnect every bot cleanly (DISCO) and stop the timer. Bounded: gives up waiting after `timeoutMs`. */
  async stop(timeoutMs = 3000): Promise<void> {
    this.stopping = true;
    await Promise.race([
      Promise.all(this.bots.slice(0, this.started).map((b) => b.leave())),
      new Promise((r) => setTimeout(r, timeoutMs).unref()),
    ]);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One line for humans: how many joined and why the others failed. */
  summary(): string {
    const failed = [...this.failedBy].map(([reason, n]) => `${n} ${FAILURE_TEXT[reason]}`).join(', ');
    const o = this.options;
    return (
      `swarm ${o.host}:${o.port}: ${this.everJoined}/${this.bots.length} bots joined` +
      (failed ? `; failed: ${failed}` : '')
    );
  }

  /** True when every bot ended failed (never joined, or lost its server), none left cleanly. */
  everyBotFailed(): boolean {
    return this.bots.length > 0 && this.bots.every((b) => b.state === 'failed');
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
