import type { Behaviour, BotBody } from './body.js';

/** Joins and stays; sends its position once (and after corrections) so the server knows its view range. */
export class IdleBehaviour implements Behaviour {
  readonly needsItems = false;
  start(body: BotBody): void {
    body.move(body.position, { x: 0, y: 0, z: 0 }, 0, 0);
  }

  step(): void {}

  corrected(body: BotBody): void {
    body.move(body.position, { x: 0, y: 0, z: 0 }, 0, 0);
  }
}
