import { createSocket, type Socket } from 'node:dgram';
import type { Behaviour, BotBody, Vec3 } from './behaviour/body.js';
import { ACCESS_DENIED_TEXT, reasonForAccessDenied, type FailureReason } from './failure.js';
import { Connection, type ConnectionEnd, type ConnectionTimings } from './protocol/connection.js';
import { PacketDecodeError } from './protocol/errors.js';
import { AuthMech, CHANNEL, ToClient } from './protocol/opcodes.js';
import { createVerifier, SrpClient, SrpError } from './protocol/srp.js';
import { decodeInventoryList, decodeItemTypes, decodeServerMessage, type ServerMessage } from './protocol/to-client.js';
import {
  encodeClientReady,
  encodeFirstSrp,
  encodeGotBlocks,
  encodeInit,
  encodeInit2,
  encodeInteractNode,
  encodeInventoryFields,
  encodePlayerItem,
  encodePlayerPos,
  encodeRespawn,
  encodeSrpBytesA,
  encodeSrpBytesM,
  MAX_GOTBLOCKS,
  type NodePos,
  type PlayerPosState,
} from './protocol/to-server.js';

/** Lifecycle of one bot. `failed` always comes with a {@link FailureReason}. */
export type BotState = 'connecting' | 'authenticating' | 'loading' | 'joined' | 'leaving' | 'left' | 'failed';

/** Settings of one bot. */
export interface BotOptions {
  host: string;
  port: number;
  name: string;
  /** Account password; '' registers/logs in with an empty one. */
  password: string;
  /** View range in nodes, sent in PLAYERPOS as ceil(n/16) blocks. */
  viewRangeNodes: number;
  /** Acknowledge BLOCKDATA with GOTBLOCKS so the server keeps sending map. Default true. */
  ackBlocks: boolean;
  /** Fail as "timed out" when not joined this long after the peer id arrived. Default 60 s. */
  joinTimeoutMs: number;
  /** Resend INIT this often until HELLO arrives. Default 500 ms. */
  initResendMs: number;
  timings: Partial<ConnectionTimings>;
  clientVersion: string;
}

/** What a bot reports to its swarm. */
export interface BotEvents {
  onState(bot: Bot, from: BotState, to: BotState): void;
  onRtt?(ms: number): void;
}

const WHOLE_MESSAGES = new Set<number>([
  ToClient.HELLO,
  ToClient.AUTH_ACCEPT,
  ToClient.ACCESS_DENIED,
  ToClient.ACCESS_DENIED_LEGACY,
  ToClient.SRP_BYTES_S_B,
  ToClient.INVENTORY,
  ToClient.SHOW_FORMSPEC,
  ToClient.MOVE_PLAYER,
]);

const FOV_RAD = (72 * Math.PI) / 180;

/**
 * One headless Luanti player on its own UDP socket (the server tells peers apart by address and
 * port, so bots cannot share one). It runs no timer of its own: the swarm calls {@link tick}.
 */
export class Bot implements BotBody {
  state: BotState = 'connecting';
  failure: { reason: FailureReason; detail: string } | null = null;
  readonly position: Vec3 = { x: 0, y: 0, z: 0 };
  spawn: Vec3 = { x: 0, y: 0, z: 0 };
  mainInventory: (string | null)[] | undefined;
  itemTypes: Map<string, number> | undefined;
  posUpdates = 0;
  /** MOVE_PLAYER received while in game (anticheat resets, teleports). */
  corrections = 0;
  /** BLOCKDATA messages received (each acknowledged with GOTBLOCKS unless `ackBlocks` is off). */
  blocks = 0;
  edits = 0;
  readonly connection: Connection;
  private socket: Socket | null = null;
  private helloAt = 0;
  private lastInitAt = 0;
  private peerIdAt = 0;
  private srp: SrpClient | null = null;
  private readonly pendingBlocks: NodePos[] = [];
  private closeAfterSends = 0;
  private readonly posState: PlayerPosState;
  private wieldIndex = 0;
  private leaveResolve: (() => void) | null = null;
  private readonly options: BotOptions;

  constructor(
    readonly index: number,
    options: Partial<BotOptions> & Pick<BotOptions, 'host' | 'port' | 'name'>,
    private readonly behaviour: Behaviour,
    private readonly events: BotEvents,
  ) {
    this.options = {
      password: '',
      viewRangeNodes: 80,
      ackBlocks: true,
      joinTimeoutMs: 60_000,
      initResendMs: 500,
      timings: {},
      clientVersion: 'luanti-bench',
      ...options,
    };
    this.posState = {
      x: 0,
      y: 0,
      z: 0,
      vx: 0,
      vy: 0,
      vz: 0,
      pitchDeg: 0,
      yawDeg: 0,
      keys: 0,
      fovRad: FOV_RAD,
      viewRangeNodes: this.options.viewRangeNodes,
    };
    this.connection = new Connection(
      (d) => this.transmit(d),
      {
        onMessage: (data) => this.onMessage(data),
        onPeerId: () => this.onPeerId(),
        onEnd: (why) => this.onConnectionEnd(why),
        onRtt: (ms) => this.events.onRtt?.(ms),
        wantWhole: (head) => this.wantWhole(head),
      },
      this.options.timings,
    );
  }

  get name(): string {
    return this.options.name;
  }

  get done(): boolean {
    return this.state === 'left' || this.state === 'failed';
  }

  /** Open the socket and send the first packet. */
  start(): void {
    const socket = createSocket('udp4');
    this.socket = socket;
    // ICMP "port unreachable" surfaces as ECONNREFUSED on a connected socket; the server may simply
    // not be up yet, so it is not a failure: the connect timeout decides.
    socket.on('error', () => {});
    socket.on('message', (msg) => this.connection.receive(msg, Date.now()));
    socket.connect(this.options.port, this.options.host, () => {
      if (this.done || this.state === 'leaving') return;
      this.connection.start(Date.now());
    });
  }

  private transmit(d: Buffer): void {
    const s = this.socket;
    if (!s) return;
    if (this.closeAfterSends > 0) {
      s.send(d, () => {
        this.closeAfterSends -= 1;
        if (this.closeAfterSends === 0) this.closeSocket();
      });
      return;
    }
    try {
      s.send(d);
    } catch {
      // Socket closed or not connected yet: the datagram is lost, as on a real network.
    }
  }

  private setState(to: BotState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.events.onState(this, from, to);
  }

  private fail(reason: FailureReason, detail: string): void {
    if (this.done) return;
    this.failure = { reason, detail };
    this.connection.disconnect();
    this.closeSocket();
    this.setState('failed');
  }

  private closeSocket(): void {
    const s = this.socket;
    this.socket = null;
    if (s) {
      try {
        s.close();
      } catch {
        // Already closed.
      }
    }
    if (this.leaveResolve) {
      this.leaveResolve();
      this.leaveResolve = null;
    }
  }

  /** Disconnect cleanly (DISCO) and close the socket; resolves once the DISCO has left the socket. */
  leave(): Promise<void> {
    if (this.done) return Promise.resolve();
    if (this.state === 'leaving') return new Promise((r) => (this.leaveResolve = r));
    const hadPeer = this.connection.peerId !== 0 && this.connection.open;
    this.setState('leaving');
    return new Promise<void>((resolve) => {
      this.leaveResolve = () => {
        this.setState('left');
        resolve();
      };
      if (hadPeer && this.socket) {
        // Two DISCOs go out; close the socket once both were handed to the kernel.
        this.closeAfterSends = 2;
        this.connection.disconnect();
      } else {
        this.connection.disconnect();
        this.closeSocket();
      }
    });
  }

  private onPeerId(): void {
    this.peerIdAt = Date.now();
    this.setState('authenticating');
    this.sendInit(this.peerIdAt);
  }

  private sendInit(now: number): void {
    this.lastInitAt = now;
    this.connection.sendUnreliable(CHANNEL.init, encodeInit(this.options.name));
  }

  private onConnectionEnd(why: ConnectionEnd): void {
    switch (why) {
      case 'no-response':
        this.fail('no-response', `no SET_PEER_ID from ${this.options.host}:${this.options.port}`);
        return;
      case 'timed-out':
        this.fail('timed-out', 'no datagram from the server for 30 s');
        return;
      case 'server-disco':
        this.fail('server-shutdown', 'the server disconnected us');
        return;
      case 'local-disco':
        return;
    }
  }

  /** Resends, timeouts, behaviour and block ACKs; called by the swarm on every tick. */
  tick(now: number): void {
    if (this.done || this.state === 'leaving') return;
    this.connection.tick(now);
    if (this.done) return;
    if (this.state === 'authenticating' && this.helloAt === 0 && now - this.lastInitAt >= this.options.initResendMs) {
      this.sendInit(now);
    }
    if (this.state !== 'joined' && this.peerIdAt > 0 && now - this.peerIdAt > this.options.joinTimeoutMs) {
      this.fail('timed-out', `not joined ${Math.round(this.options.joinTimeoutMs / 1000)} s after connecting`);
      return;
    }
    if (this.state === 'joined') this.behaviour.step(this, now);
    this.flushBlocks(now);
  }

  private flushBlocks(now: number): void {
    while (this.pendingBlocks.length > 0) {
      const batch = this.pendingBlocks.splice(0, MAX_GOTBLOCKS);
      this.connection.sendReliable(CHANNEL.blocks, encodeGotBlocks(batch), now);
    }
  }

  /** Split messages the bot reads in full; of the rest only the first chunk is decoded (e.g. a block's position). */
  private wantWhole(head: Buffer): boolean {
    if (head.length < 2) return true;
    const command = head.readUInt16BE(0);
    if (command === ToClient.ITEMDEF) return this.behaviour.needsItems;
    return WHOLE_MESSAGES.has(command);
  }

  private onMessage(data: Buffer): void {
    let m: ServerMessage;
    try {
      m = decodeServerMessage(data);
    } catch (err) {
      if (err instanceof PacketDecodeError) {
        this.connection.counters.decodeErrors += 1;
        return;
      }
      throw err;
    }
    try {
      this.handle(m, Date.now());
    } catch (err) {
      if (err instanceof SrpError || err instanceof PacketDecodeError) {
        this.fail('protocol-error', err.message);
        return;
      }
      throw err;
    }
  }

  private handle(m: ServerMessage, now: number): void {
    switch (m.kind) {
      case 'hello':
        return this.onHello(m.authMechs, m.proto, now);
      case 'srp-s-b': {
        if (!this.srp) return;
        const proof = this.srp.proof(m.salt, m.b);
        this.srp = null;
        this.connection.sendReliable(CHANNEL.auth, encodeSrpBytesM(proof), now);
        return;
      }
      case 'auth-accept':
        if (this.state !== 'authenticating') return;
        this.setState('loading');
        this.connection.sendReliable(CHANNEL.auth, encodeInit2(), now);
        return;
      case 'access-denied': {
        const text = ACCESS_DENIED_TEXT[m.code] ?? `code ${m.code}`;
        const reason = this.state === 'joined' && m.code === 10 ? 'server-shutdown' : reasonForAccessDenied(m.code);
        this.fail(reason, m.reason ? `${text}: ${m.reason}` : text);
        return;
      }
      case 'csm-restriction-flags':
        if (this.state === 'loading') {
          this.connection.sendReliable(CHANNEL.auth, encodeClientReady(this.options.clientVersion), now);
        }
        return;
      case 'move-player':
        this.position.x = m.x;
        this.position.y = m.y;
        this.position.z = m.z;
        if (this.state === 'loading') return this.onJoined(now);
        if (this.state === 'joined') {
          this.corrections += 1;
          this.behaviour.corrected(this, now);
        }
        return;
      case 'blockdata':
        this.blocks += 1;
        if (this.options.ackBlocks) this.pendingBlocks.push(m.pos);
        return;
      case 'deathscreen':
        this.connection.sendReliable(CHANNEL.game, encodeRespawn(), now);
        return;
      case 'show-formspec':
        if (m.formname === '__builtin:death') {
          this.connection.sendReliable(CHANNEL.game, encodeInventoryFields(m.formname, { quit: 'true' }), now);
        }
        return;
      case 'inventory': {
        const main = decodeInventoryList(m.text, 'main');
        if (main) this.mainInventory = main;
        return;
      }
      case 'itemdef':
        // Only builders need item kinds; inflating costs about a millisecond per bot.
        if (this.behaviour.needsItems) this.itemTypes = decodeItemTypes(m.compressed);
        return;
      default:
        return;
    }
  }

  private onHello(authMechs: number, proto: number, now: number): void {
    if (this.helloAt !== 0) return;
    this.helloAt = now;
    if (proto < 37 || proto > 41) {
      this.fail('version-refused', `server chose protocol ${proto}, we speak 37..41`);
      return;
    }
    const { name, password } = this.options;
    if (authMechs & AuthMech.FIRST_SRP) {
      const v = createVerifier(name, password);
      this.connection.sendReliable(CHANNEL.auth, encodeFirstSrp(v.salt, v.verifier, password === ''), now);
    } else if (authMechs & AuthMech.SRP) {
      this.srp = new SrpClient(name, password);
      this.connection.sendReliable(CHANNEL.auth, encodeSrpBytesA(this.srp.publicA), now);
    } else {
      this.fail('protocol-error', `server offers only auth mechanisms 0x${authMechs.toString(16)} (no SRP)`);
    }
  }

  private onJoined(now: number): void {
    this.spawn = { ...this.position };
    this.setState('joined');
    this.behaviour.start(this, now);
  }

  // BotBody

  move(pos: Vec3, velocity: Vec3, yawDeg: number, keys: number): void {
    this.position.x = pos.x;
    this.position.y = pos.y;
    this.position.z = pos.z;
    const s = this.posState;
    s.x = pos.x;
    s.y = pos.y;
    s.z = pos.z;
    s.vx = velocity.x;
    s.vy = velocity.y;
    s.vz = velocity.z;
    s.yawDeg = yawDeg;
    s.keys = keys;
    this.posUpdates += 1;
    this.connection.sendUnreliable(CHANNEL.game, encodePlayerPos(s));
  }

  selectItem(index: number): void {
    this.wieldIndex = index;
    this.connection.sendReliable(CHANNEL.game, encodePlayerItem(index), Date.now());
  }

  interactNode(action: number, under: NodePos, above: NodePos): void {
    this.connection.sendReliable(
      CHANNEL.game,
      encodeInteractNode(action, this.wieldIndex, under, above, this.posState),
      Date.now(),
    );
  }

  countEdit(): void {
    this.edits += 1;
  }
}
