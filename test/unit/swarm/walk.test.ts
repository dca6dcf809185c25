import { describe, expect, it } from 'vitest';
import type { BotBody, Vec3 } from '../../../src/swarm/behaviour/body.js';
import { WalkBehaviour } from '../../../src/swarm/behaviour/walk.js';

function body(): BotBody & { sent: Vec3[]; position: Vec3 } {
  const b = {
    index: 1,
    position: { x: 0, y: 10, z: 0 },
    spawn: { x: 0, y: 10, z: 0 },
    mainInventory: undefined,
    itemTypes: undefined,
    sent: [] as Vec3[],
    move(pos: Vec3) {
      b.position = { ...pos };
      b.sent.push({ ...pos });
    },
    selectItem() {},
    interactNode() {},
    countEdit() {},
  };
  return b;
}

describe('walk behaviour', () => {
  it('stays within the speed limit and the box around spawn, at constant height', () => {
    const b = body();
    const w = new WalkBehaviour({ speed: 4, radius: 10 });
    w.start(b, 0);
    for (let t = 50; t <= 60_000; t += 50) w.step(b, t);
    expect(b.sent.length).toBeGreaterThan(500);
    let prev = { x: 0, y: 10, z: 0 };
    for (const p of b.sent) {
      // At most 4 nodes/s over 100 ms, plus rounding.
      expect(Math.hypot(p.x - prev.x, p.z - prev.z)).toBeLessThanOrEqual(0.4 + 1e-9);
      expect(Math.abs(p.x)).toBeLessThanOrEqual(10);
      expect(Math.abs(p.z)).toBeLessThanOrEqual(10);
      expect(p.y).toBe(10);
      prev = p;
    }
  });

  it('continues from a position the server corrected', () => {
    const b = body();
    const w = new WalkBehaviour({ speed: 2, radius: 5 });
    w.start(b, 0);
    w.step(b, 100);
    b.position = { x: 3, y: 10, z: 3 };
    w.corrected(b, 150);
    w.step(b, 250);
    const last = b.sent.at(-1)!;
    expect(Math.hypot(last.x - 3, last.z - 3)).toBeLessThanOrEqual(0.2 + 1e-9);
  });
});
