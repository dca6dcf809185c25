import type { NodePos } from '../protocol/to-server.js';

/** A position in nodes (floating point; feet of the player). */
export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** What a behaviour may see and do with its bot; implemented by `Bot`. */
export interface BotBody {
  /** Index of this bot in the swarm (names are prefix + index). */
  readonly index: number;
  /** Current position as the server last accepted it or we last sent it. */
  readonly position: Vec3;
  /** Where the server put the player when it joined. */
  readonly spawn: Vec3;
  /** Main inventory list (item names, null = empty) or undefined until the server sent it. */
  readonly mainInventory: readonly (string | null)[] | undefined;
  /** Item type by name (Luanti ItemType) or undefined until ITEMDEF was decoded. */
  readonly itemTypes: ReadonlyMap<string, number> | undefined;
  /** Set position/velocity/yaw and send PLAYERPOS. */
  move(pos: Vec3, velocity: Vec3, yawDeg: number, keys: number): void;
  selectItem(index: number): void;
  interactNode(action: number, under: NodePos, above: NodePos): void;
  /** Map edits requested (placements and digs), counted in stats. */
  countEdit(): void;
}

/** One bot's behaviour once joined. `step` runs on every swarm tick. */
export interface Behaviour {
  /** Whether the bot must decode item definitions (ITEMDEF) for this behaviour. */
  readonly needsItems: boolean;
  /** The bot just joined (spawn known). */
  start(body: BotBody, now: number): void;
  step(body: BotBody, now: number): void;
  /** The server corrected our position (MOVE_PLAYER); body.position already holds it. */
  corrected(body: BotBody, now: number): void;
}
