import { ItemType } from '../protocol/to-client.js';
import { InteractAction, type NodePos } from '../protocol/to-server.js';
import type { Behaviour, BotBody } from './body.js';

/** Options of {@link BuildBehaviour}. */
export interface BuildOptions {
  /** Tower height in nodes; the bot builds up to it, digs it back down, and repeats. Default 5. */
  height: number;
  /** One placement or dig this often. Default 500 ms. */
  intervalMs: number;
}

/** Nodes that place oddly (need a wall, open a form, are not full blocks); used only if nothing else is held. */
const AWKWARD = /torch|chest|sapling|bucket|door|bed|sign|rail|ladder|fence|water|lava|liquid/;
const HOTBAR = 8;

/**
 * Builds a one-node tower beside spawn, in a column chosen by the bot's index so neighbours do not
 * share it, then digs it down again: real map edits, bounded in space. Needs a node item in the
 * hotbar (e.g. devtest's initial stuff or minetest_game's `give_initial_stuff`); without one it idles.
 */
export class BuildBehaviour implements Behaviour {
  readonly needsItems = true;
  private base: NodePos | null = null;
  private level = 0;
  private up = true;
  private lastAt = 0;
  private selected = -1;
  private readonly o: BuildOptions;

  constructor(options: Partial<BuildOptions> = {}) {
    this.o = { height: 5, intervalMs: 500, ...options };
  }

  start(body: BotBody, now: number): void {
    body.move(body.position, { x: 0, y: 0, z: 0 }, 0, 0);
    const angle = ((body.index % 8) * Math.PI) / 4;
    this.base = {
      x: Math.round(body.spawn.x + 2 * Math.cos(angle)),
      // Feet stand on the top face of the ground node: that node is round(y) - 1.
      y: Math.round(body.spawn.y) - 1,
      z: Math.round(body.spawn.z + 2 * Math.sin(angle)),
    };
    this.lastAt = now;
  }

  /** Hotbar slot of an item of `type`, preferring ones that are not {@link AWKWARD}; -1 if none. */
  private slot(body: BotBody, type: number, prefer?: RegExp): number {
    const inv = body.mainInventory;
    const types = body.itemTypes;
    if (!inv || !types) return -1;
    let fallback = -1;
    let plain = -1;
    for (let i = 0; i < Math.min(HOTBAR, inv.length); i++) {
      const name = inv[i];
      if (!name || types.get(name) !== type) continue;
      if (prefer && prefer.test(name)) return i;
      if (!AWKWARD.test(name) && plain < 0) plain = i;
      if (fallback < 0) fallback = i;
    }
    return plain >= 0 ? plain : fallback;
  }

  private select(body: BotBody, index: number): void {
    if (index === this.selected) return;
    this.selected = index;
    body.selectItem(index);
  }

  step(body: BotBody, now: number): void {
    if (!this.base || now - this.lastAt < this.o.intervalMs) return;
    this.lastAt = now;
    const b = this.base;
    if (this.up) {
      const place = this.slot(body, ItemType.NODE);
      if (place < 0) return;
      this.select(body, place);
      body.interactNode(
        InteractAction.PLACE,
        { x: b.x, y: b.y + this.level, z: b.z },
        { x: b.x, y: b.y + this.level + 1, z: b.z },
      );
      body.countEdit();
      this.level += 1;
      if (this.level >= this.o.height) this.up = false;
      return;
    }
    const tool = this.slot(body, ItemType.TOOL, /pick/);
    this.select(body, tool >= 0 ? tool : Math.max(0, this.slot(body, ItemType.NODE)));
    const under = { x: b.x, y: b.y + this.level, z: b.z };
    const above = { x: b.x, y: b.y + this.level + 1, z: b.z };
    body.interactNode(InteractAction.START_DIGGING, under, above);
    body.interactNode(InteractAction.DIGGING_COMPLETED, under, above);
    body.countEdit();
    this.level -= 1;
    if (this.level <= 0) this.up = true;
  }

  corrected(): void {}
}
