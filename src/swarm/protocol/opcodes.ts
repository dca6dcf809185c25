/** Client → server commands the bot sends (hex as in Luanti's networkprotocol.h). */
export const ToServer = {
  INIT: 0x02,
  INIT2: 0x11,
  PLAYERPOS: 0x23,
  GOTBLOCKS: 0x24,
  PLAYERITEM: 0x37,
  RESPAWN: 0x38,
  INTERACT: 0x39,
  INVENTORY_FIELDS: 0x3c,
  CLIENT_READY: 0x43,
  FIRST_SRP: 0x50,
  SRP_BYTES_A: 0x51,
  SRP_BYTES_M: 0x52,
} as const;

/** Server → client commands the bot reads; all others are ACKed and ignored. */
export const ToClient = {
  HELLO: 0x02,
  AUTH_ACCEPT: 0x03,
  ACCESS_DENIED: 0x0a,
  BLOCKDATA: 0x20,
  ADDNODE: 0x21,
  REMOVENODE: 0x22,
  INVENTORY: 0x27,
  CSM_RESTRICTION_FLAGS: 0x2a,
  MOVE_PLAYER: 0x34,
  ACCESS_DENIED_LEGACY: 0x35,
  DEATHSCREEN: 0x37,
  ITEMDEF: 0x3d,
  SHOW_FORMSPEC: 0x44,
  UPDATE_PLAYER_LIST: 0x56,
  SRP_BYTES_S_B: 0x60,
} as const;

/** Channel and reliability per client command (Luanti clientopcodes.cpp). */
export const CHANNEL = { init: 1, auth: 1, game: 0, blocks: 2 } as const;

/** auth_mechs bits of HELLO. */
export const AuthMech = { LEGACY_PASSWORD: 1, SRP: 2, FIRST_SRP: 4 } as const;

/** Serialisation format and protocol range we announce: max 41 gives v41 layouts from every server 5.6–5.17. */
export const SER_FMT_VERSION = 29;
export const PROTOCOL_MIN = 37;
export const PROTOCOL_MAX = 41;
