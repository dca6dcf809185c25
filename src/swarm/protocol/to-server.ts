import { ByteWriter } from './byte-writer.js';
import { PROTOCOL_MAX, PROTOCOL_MIN, SER_FMT_VERSION, ToServer } from './opcodes.js';

/** Where the player is and looks, in nodes and degrees; encoded in the v41 38-byte layout. */
export interface PlayerPosState {
  /** Feet position in nodes. */
  x: number;
  y: number;
  z: number;
  /** Velocity in nodes per second. */
  vx: number;
  vy: number;
  vz: number;
  pitchDeg: number;
  yawDeg: number;
  /** Key bits: 0 forward … 7 dig, 8 place. */
  keys: number;
  fovRad: number;
  /** Requested view range in nodes; sent as blocks (ceil(n/16)). */
  viewRangeNodes: number;
}

/** Node position as Luanti's v3s16. */
export interface NodePos {
  x: number;
  y: number;
  z: number;
}

/** INTERACT actions (Luanti InteractAction). */
export const InteractAction = { START_DIGGING: 0, STOP_DIGGING: 1, DIGGING_COMPLETED: 2, PLACE: 3, USE: 4 } as const;

function command(cmd: number, size = 32): ByteWriter {
  return new ByteWriter(size).u16(cmd);
}

export function encodeInit(name: string): Buffer {
  return command(ToServer.INIT).u8(SER_FMT_VERSION).u16(0).u16(PROTOCOL_MIN).u16(PROTOCOL_MAX).string16(name).finish();
}

export function encodeInit2(lang = ''): Buffer {
  return command(ToServer.INIT2).string16(lang).finish();
}

export function encodeFirstSrp(salt: Uint8Array, verifier: Uint8Array, emptyPassword: boolean): Buffer {
  return command(ToServer.FIRST_SRP, 300)
    .string16(salt)
    .string16(verifier)
    .u8(emptyPassword ? 1 : 0)
    .finish();
}

/** SRP_BYTES_A with based_on = 1 (an SRP verifier, not a legacy hash). */
export function encodeSrpBytesA(a: Uint8Array): Buffer {
  return command(ToServer.SRP_BYTES_A, 300).string16(a).u8(1).finish();
}

export function encodeSrpBytesM(m: Uint8Array): Buffer {
  return command(ToServer.SRP_BYTES_M, 40).string16(m).finish();
}

export function encodeClientReady(version: string): Buffer {
  return command(ToServer.CLIENT_READY).u8(5).u8(6).u8(1).u8(0).string16(version).u16(4).finish();
}

function writePos(w: ByteWriter, s: PlayerPosState): ByteWriter {
  // Wire units: BS (10 per node) × 100, so 1 node = 1000.
  return w
    .s32(Math.round(s.x * 1000))
    .s32(Math.round(s.y * 1000))
    .s32(Math.round(s.z * 1000))
    .s32(Math.round(s.vx * 1000))
    .s32(Math.round(s.vy * 1000))
    .s32(Math.round(s.vz * 1000))
    .s32(Math.round(s.pitchDeg * 100))
    .s32(Math.round(s.yawDeg * 100))
    .u32(s.keys)
    .u8(Math.min(255, Math.round(s.fovRad * 80)))
    .u8(Math.min(255, Math.ceil(s.viewRangeNodes / 16)));
}

export function encodePlayerPos(s: PlayerPosState): Buffer {
  return writePos(command(ToServer.PLAYERPOS, 40), s).finish();
}

/** GOTBLOCKS for at most {@link MAX_GOTBLOCKS} blocks, so it fits one unsplit reliable datagram. */
export const MAX_GOTBLOCKS = 80;

export function encodeGotBlocks(blocks: readonly NodePos[]): Buffer {
  if (blocks.length > MAX_GOTBLOCKS)
    throw new RangeError(`GOTBLOCKS of ${blocks.length} blocks exceeds ${MAX_GOTBLOCKS}`);
  const w = command(ToServer.GOTBLOCKS, 3 + blocks.length * 6).u8(blocks.length);
  for (const b of blocks) w.s16(b.x).s16(b.y).s16(b.z);
  return w.finish();
}

export function encodePlayerItem(index: number): Buffer {
  return command(ToServer.PLAYERITEM, 4).u16(index).finish();
}

export function encodeRespawn(): Buffer {
  return command(ToServer.RESPAWN, 2).finish();
}

/** INTERACT pointing at a node: `under` is the node pointed at, `above` the face-adjacent one. */
export function encodeInteractNode(
  action: number,
  itemIndex: number,
  under: NodePos,
  above: NodePos,
  pos: PlayerPosState,
): Buffer {
  // Serialized PointedThing: u8 version 0, u8 type 1 (node), v3s16 under, v3s16 above.
  const pointed = new ByteWriter(14)
    .u8(0)
    .u8(1)
    .s16(under.x)
    .s16(under.y)
    .s16(under.z)
    .s16(above.x)
    .s16(above.y)
    .s16(above.z)
    .finish();
  return writePos(command(ToServer.INTERACT, 64).u8(action).u16(itemIndex).string32(pointed), pos).finish();
}

/** INVENTORY_FIELDS, e.g. `__builtin:death` + `quit` to respawn on servers ≥5.10. */
export function encodeInventoryFields(formname: string, fields: Record<string, string>): Buffer {
  const entries = Object.entries(fields);
  const w = command(ToServer.INVENTORY_FIELDS, 64).string16(formname).u16(entries.length);
  for (const [k, v] of entries) w.string16(k).string32(v);
  return w.finish();
}
