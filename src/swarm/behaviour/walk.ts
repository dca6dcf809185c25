import type { Behaviour, BotBody, Vec3 } from './body.js';

/** Luanti's default `movement_speed_walk` in nodes per second; faster trips the anticheat. */
export const MAX_WALK_SPEED = 4;

/** Options of {@link WalkBehaviour}. */
export interface WalkOptions {
  /** Nodes per second, 0 < speed ≤ {@link MAX_WALK_SPEED}. Default 3. */
  speed: number;
  /** Targets are drawn in a square of this half-width around spawn, in nodes. Default 24. */
  radius: number;
  /** PLAYERPOS at most this often while moving (the real client: 90 ms). Default 100 ms. */
  sendIntervalMs: number;
  random: () => number;
}

const FORWARD = 1;

/**
 * Random walk around spawn: pick a target in a box, walk to it in a straight line at constant height,
 * pick the next. Server corrections (MOVE_PLAYER) are adopted and the walk continues from there.
 */
export class WalkBehaviour implements Behaviour {
  readonly needsItems = false;
  private target: Vec3 | null = null;
  private lastAt = 0;
  private lastSentAt = 0;
  private readonly o: WalkOptions;

  constructor(options: Partial<WalkOptions> = {}) {
    this.o = { speed: 3, radius: 24, sendIntervalMs: 100, random: Math.random, ...options };
  }

  start(body: BotBody, now: number): void {
    this.lastAt = now;
    this.pickTarget(body);
  }

  private pickTarget(body: BotBody): void {
    const r = this.o.radius;
    this.target = {
      x: body.spawn.x + (this.o.random() * 2 - 1) * r,
      y: body.spawn.y,
      z: body.spawn.z + (this.o.random() * 2 - 1) * r,
    };
  }

  step(body: BotBody, now: number): void {
    if (!this.target) return;
    if (now - this.lastSentAt < this.o.sendIntervalMs) return;
    const dt = Math.min(1, (now - this.lastAt) / 1000);
    this.lastAt = now;
    this.lastSentAt = now;
    const p = body.position;
    const dx = this.target.x - p.x;
    const dz = this.target.z - p.z;
    const dist = Math.hypot(dx, dz);
    const stepLen = this.o.speed * dt;
    if (dist <= stepLen || dist < 1e-6) {
      body.move({ x: this.target.x, y: p.y, z: this.target.z }, { x: 0, y: 0, z: 0 }, 0, 0);
      this.pickTarget(body);
      return;
    }
    const ux = dx / dist;
    const uz = dz / dist;
    // Luanti yaw: 0 looks along +z, 90 along -x.
    const yaw = (Math.atan2(-ux, uz) * 180) / Math.PI;
    body.move(
      { x: p.x + ux * stepLen, y: p.y, z: p.z + uz * stepLen },
      { x: ux * this.o.speed, y: 0, z: uz * this.o.speed },
      yaw,
      FORWARD,
    );
  }

  corrected(_body: BotBody, now: number): void {
    this.lastAt = now;
  }
}
