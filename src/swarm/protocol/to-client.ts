import { inflateSync } from 'node:zlib';
import { ByteReader } from './byte-reader.js';
import { PacketDecodeError } from './errors.js';
import { ToClient } from './opcodes.js';
import type { NodePos } from './to-server.js';

/** The server messages the bot acts on; everything else decodes to `other`. */
export type ServerMessage =
  | { kind: 'hello'; serVer: number; proto: number; authMechs: number }
  | { kind: 'auth-accept'; sendIntervalS: number }
  | { kind: 'access-denied'; code: number; reason: string }
  | { kind: 'srp-s-b'; salt: Buffer; b: Buffer }
  | { kind: 'move-player'; x: number; y: number; z: number; pitchDeg: number; yawDeg: number }
  | { kind: 'blockdata'; pos: NodePos }
  | { kind: 'csm-restriction-flags' }
  | { kind: 'deathscreen' }
  | { kind: 'show-formspec'; formname: string }
  | { kind: 'inventory'; text: string }
  | { kind: 'itemdef'; compressed: Buffer }
  | { kind: 'node-changed'; pos: NodePos }
  | { kind: 'player-list' }
  | { kind: 'other'; command: number };

function v3s16(r: ByteReader): NodePos {
  return { x: r.s16(), y: r.s16(), z: r.s16() };
}

/** Decode one application message (`u16 command + payload`). Throws {@link PacketDecodeError} when malformed. */
export function decodeServerMessage(data: Buffer): ServerMessage {
  const r = new ByteReader(data);
  const command = r.u16();
  switch (command) {
    case ToClient.HELLO: {
      const serVer = r.u8();
      r.u16();
      const proto = r.u16();
      const authMechs = r.u32();
      return { kind: 'hello', serVer, proto, authMechs };
    }
    case ToClient.AUTH_ACCEPT: {
      r.f32();
      r.f32();
      r.f32();
      r.u64();
      return { kind: 'auth-accept', sendIntervalS: r.f32() };
    }
    case ToClient.ACCESS_DENIED: {
      const code = r.u8();
      // Codes 10 (custom), 11 (shutdown) and 12 (crash) carry a reason string.
      const reason =
        r.remaining >= 2 && (code === 10 || code === 11 || code === 12) ? r.string16().toString('utf8') : '';
      return { kind: 'access-denied', code, reason };
    }
    case ToClient.ACCESS_DENIED_LEGACY:
      return { kind: 'access-denied', code: 10, reason: r.remaining >= 2 ? r.wstring() : '' };
    case ToClient.SRP_BYTES_S_B:
      return { kind: 'srp-s-b', salt: r.string16(), b: r.string16() };
    case ToClient.MOVE_PLAYER: {
      // v3f in BS units (10 per node).
      const x = r.f32() / 10;
      const y = r.f32() / 10;
      const z = r.f32() / 10;
      return { kind: 'move-player', x, y, z, pitchDeg: r.f32(), yawDeg: r.f32() };
    }
    case ToClient.BLOCKDATA:
      return { kind: 'blockdata', pos: v3s16(r) };
    case ToClient.ADDNODE:
    case ToClient.REMOVENODE:
      return { kind: 'node-changed', pos: v3s16(r) };
    case ToClient.CSM_RESTRICTION_FLAGS:
      return { kind: 'csm-restriction-flags' };
    case ToClient.DEATHSCREEN:
      return { kind: 'deathscreen' };
    case ToClient.SHOW_FORMSPEC: {
      r.string32();
      return { kind: 'show-formspec', formname: r.string16().toString('utf8') };
    }
    case ToClient.INVENTORY:
      return { kind: 'inventory', text: r.rest().toString('utf8') };
    case ToClient.ITEMDEF:
      return { kind: 'itemdef', compressed: r.string32() };
    case ToClient.UPDATE_PLAYER_LIST:
      return { kind: 'player-list' };
    default:
      return { kind: 'other', command };
  }
}

/** Item kinds of Luanti's ItemType. */
export const ItemType = { NONE: 0, NODE: 1, CRAFT: 2, TOOL: 3 } as const;

/**
 * Item names by type from an ITEMDEF message (zlib; u8 version, u16 count, count × string16 of a
 * serialized ItemDefinition which starts with u8 version, u8 type, string16 name).
 */
export function decodeItemTypes(compressed: Buffer, maxBytes = 32 << 20): Map<string, number> {
  let raw: Buffer;
  try {
    raw = inflateSync(compressed, { maxOutputLength: maxBytes });
  } catch (err) {
    throw new PacketDecodeError('bad-payload', `ITEMDEF does not inflate: ${(err as Error).message}`);
  }
  const r = new ByteReader(raw);
  r.u8();
  const count = r.u16();
  const types = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const def = new ByteReader(r.string16());
    def.u8();
    const type = def.u8();
    types.set(def.string16().toString('utf8'), type);
  }
  return types;
}

/**
 * Item names of an inventory list from an INVENTORY message (text format: `List <name> <size>`,
 * `Item <name> …` / `Empty`, `EndInventoryList`). `undefined` when the list is absent or kept unchanged.
 */
export function decodeInventoryList(text: string, list: string): (string | null)[] | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i]!.trim().split(' ');
    if (parts[0] !== 'List' || parts[1] !== list) continue;
    const items: (string | null)[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j]!.trim();
      if (line === 'EndInventoryList') return items;
      if (line === 'Empty') items.push(null);
      else if (line.startsWith('Item ')) items.push(line.slice(5).split(' ')[0]!.replace(/^"|"$/g, ''));
      else if (line === 'Keep') items.push(null);
    }
    return items;
  }
  return undefined;
}
