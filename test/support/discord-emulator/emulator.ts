import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseMultipart } from './multipart.js';

/**
 * A Discord API emulator on 127.0.0.1 for tests: REST (the routes the bot and
 * worker use) and a gateway the real discord.js client logs in to. It records
 * every request, message, edit and attachment, can inject 429s and 5xx on
 * chosen routes, and dispatches slash commands and button presses as a given
 * user with given roles. See /work/shared/facts/discord.md for the payloads.
 */

export interface RecordedRequest {
  method: string;
  /** Path below /api/v10, e.g. `/channels/123/messages`. */
  path: string;
  at: number;
  status: number;
  auth: string | null;
}

export interface RecordedAttachment {
  name: string;
  contentType: string | null;
  data: Buffer;
}

export interface RecordedMessage {
  id: string;
  channelId: string;
  content: string;
  components: unknown[];
  attachments: RecordedAttachment[];
  createdAt: number;
  /** Every version after the first, oldest first. */
  edits: { at: number; content: string; components: unknown[] }[];
}

export interface InteractionCallback {
  interactionId: string;
  type: number;
  data: Record<string, unknown>;
  at: number;
  attachments: RecordedAttachment[];
}

export interface Fault {
  method?: string;
  /** Matched against the path below /api/v10. */
  path: RegExp;
  status: 429 | 500 | 502 | 503;
  /** Seconds, for 429. */
  retryAfter?: number;
  /** How many matching requests fail; Infinity for a storm until cleared. */
  count: number;
}

export interface DispatchUser {
  id: string;
  username?: string;
  roles?: string[];
}

const SNOWFLAKE_BASE = 1_400_000_000_000_000_000n;

export class DiscordEmulator {
  readonly appId = '1300000000000000001';
  readonly guildId = '1300000000000000002';
  readonly channelId = '1300000000000000003';
  readonly botUserId = '1300000000000000004';
  readonly token = 'emulator-bot-token';

  readonly requests: RecordedRequest[] = [];
  readonly messages = new Map<string, RecordedMessage>();
  readonly callbacks: InteractionCallback[] = [];
  readonly registeredCommands: { route: string; body: unknown }[] = [];
  /** Follow-ups and edits of interaction replies, keyed by interaction token. */
  readonly webhookMessages: { token: string; content: string; at: number; attachments: RecordedAttachment[] }[] = [];

  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private sockets = new Set<WebSocket>();
  private seq = 1;
  private nextId = 1n;
  private faults: Fault[] = [];
  private callbackWaiters = new Map<string, (cb: InteractionCallback) => void>();
  private readyWaiters: (() => void)[] = [];
  private identified = 0;
  private tokensToInteraction = new Map<string, string>();
  port = 0;

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (ws) => this.onSocket(ws));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  snowflake(): string {
    return String(SNOWFLAKE_BASE + this.nextId++);
  }

  /** Fail the next `count` requests matching `fault`. */
  injectFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Resolves once a client has identified and received READY. */
  waitForReady(timeoutMs = 30_000): Promise<void> {
    if (this.identified > 0) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => this.readyWaiters.push(resolve)), timeoutMs, 'gateway READY');
  }

  /** Messages in a channel, in creation order. */
  channelMessages(channelId = this.channelId): RecordedMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId);
  }

  /** Wait until `predicate` holds for some message; polls the record. */
  async waitForMessage(
    predicate: (m: RecordedMessage) => boolean,
    timeoutMs = 60_000,
    what = 'message',
  ): Promise<RecordedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = [...this.messages.values()].find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = [...this.messages.values()].map((m) => m.content.slice(0, 120)).join('\n---\n');
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; messages so far:\n${seen}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The current text of a message (after its last edit). */
  latest(message: RecordedMessage): string {
    return message.edits.at(-1)?.content ?? message.content;
  }

  /**
   * Dispatch a slash command as `user`. `options` are raw API options
   * (`{name, type, value}` or subcommands `{name, type:1, options}`).
   * Returns the interaction id; await {@link awaitCallback} for the answer.
   */
  dispatchCommand(name: string, options: unknown[], user: DispatchUser, extra: { focused?: boolean } = {}): string {
    const id = this.snowflake();
    const token = `itok-${id}`;
    this.tokensToInteraction.set(token, id);
    this.dispatch('INTERACTION_CREATE', {
      ...this.interactionBase(id, token, user),
      type: extra.focused ? 4 : 2,
      data: { id: '1300000000000000009', name, type: 1, options, guild_id: this.guildId },
    });
    return id;
  }

  /** Press a button on a recorded message (or any message id) as `user`. */
  pressButton(customId: string, messageId: string, user: DispatchUser): string {
    const id = this.snowflake();
    const token = `itok-${id}`;
    this.tokensToInteraction.set(token, id);
    const recorded = this.messages.get(messageId);
    this.dispatch('INTERACTION_CREATE', {
      ...this.interactionBase(id, token, user),
      type: 3,
      data: { custom_id: customId, component_type: 2 },
      message: {
        id: messageId,
        channel_id: this.channelId,
        content: recorded ? this.latest(recorded) : '',
        author: {
          id: this.botUserId,
          username: 'bench',
          discriminator: '0',
          global_name: null,
          avatar: null,
          bot: true,
        },
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: 0,
        components: recorded?.components ?? [],
      },
    });
    return id;
  }

  /** The interaction callback (reply, defer, update) of an interaction. */
  awaitCallback(interactionId: string, timeoutMs = 30_000): Promise<InteractionCallback> {
    const existing = this.callbacks.find((c) => c.interactionId === interactionId);
    if (existing) return Promise.resolve(existing);
    return withTimeout(
      new Promise<InteractionCallback>((resolve) => this.callbackWaiters.set(interactionId, resolve)),
      timeoutMs,
      `callback of interaction ${interactionId}`,
    );
  }

  /** Wait for an edit or follow-up of an interaction's reply (`editReply`, `followUp`). */
  async waitForWebhookMessage(
    interactionId: string,
    timeoutMs = 30_000,
  ): Promise<DiscordEmulator['webhookMessages'][number]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.webhookMessages.find((w) => w.token === `itok-${interactionId}`);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for the reply edit of interaction ${interactionId}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Requests to the channel-message routes (what the worker sends), optionally since a time. */
  messageRequests(since = 0): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.at >= since && r.path.startsWith('/channels/') && r.path.includes('/messages'),
    );
  }

  private interactionBase(id: string, token: string, user: DispatchUser): Record<string, unknown> {
    const apiUser = {
      id: user.id,
      username: user.username ?? `user${user.id.slice(-4)}`,
      discriminator: '0',
      global_name: null,
      avatar: null,
    };
    return {
      id,
      application_id: this.appId,
      token,
      version: 1,
      guild_id: this.guildId,
      channel_id: this.channelId,
      channel: { id: this.channelId, type: 0, guild_id: this.guildId, name: 'bench' },
      member: {
        user: apiUser,
        roles: user.roles ?? [],
        permissions: '2147483647',
        joined_at: '2024-01-01T00:00:00.000000+00:00',
        deaf: false,
        mute: false,
        flags: 0,
      },
      app_permissions: '2147483647',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guildId },
      context: 0,
      attachment_size_limit: 10_485_760,
    };
  }

  private dispatch(t: string, d: unknown): void {
    const frame = JSON.stringify({ op: 0, t, s: ++this.seq, d });
    for (const ws of this.sockets) ws.send(frame);
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (raw) => {
      let msg: { op: number; d?: unknown };
      try {
        msg = JSON.parse(String(raw)) as { op: number; d?: unknown };
      } catch {
        return;
      }
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (msg.op === 2 || msg.op === 6) {
        ws.send(
          JSON.stringify({
            op: 0,
            t: 'READY',
            s: ++this.seq,
            d: {
              v: 10,
              user: {
                id: this.botUserId,
                username: 'bench',
                discriminator: '0',
                bot: true,
                global_name: null,
                avatar: null,
              },
              guilds: [],
              session_id: `session-${this.seq}`,
              resume_gateway_url: `ws://127.0.0.1:${this.port}`,
              application: { id: this.appId, flags: 0 },
            },
          }),
        );
        this.identified++;
        for (const w of this.readyWaiters.splice(0)) w();
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname).replace(/^\/api(\/v\d+)?/, '');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const record: RecordedRequest = {
      method,
      path,
      at: Date.now(),
      status: 200,
      auth: req.headers.authorization ?? null,
    };
    this.requests.push(record);
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      if (json === undefined) {
        res.writeHead(status, headers).end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
      }
    };
    const fault = this.faults.find((f) => f.count > 0 && (!f.method || f.method === method) && f.path.test(path));
    if (fault) {
      fault.count--;
      if (fault.status === 429) {
        const retryAfter = fault.retryAfter ?? 1;
        send(
          429,
          { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
          { 'retry-after': String(retryAfter), 'x-ratelimit-scope': 'user' },
        );
      } else {
        send(fault.status, { message: 'emulated server error', code: 0 });
      }
      return;
    }
    const botAuth = `Bot ${this.token}`;
    const needsBot = !path.startsWith('/interactions/') && !path.startsWith('/webhooks/');
    if (needsBot && record.auth !== botAuth) {
      send(401, { message: '401: Unauthorized', code: 0 });
      return;
    }
    try {
      this.route(method, path, body, req.headers['content-type'] ?? '', send);
    } catch (error) {
      send(400, { message: error instanceof Error ? error.message : String(error), code: 50035 });
    }
  }

  private parseBody(
    body: Buffer,
    contentType: string,
  ): { json: Record<string, unknown>; attachments: RecordedAttachment[] } {
    if (contentType.startsWith('multipart/form-data')) {
      const parts = parseMultipart(body, contentType);
      const payload = parts.find((p) => p.name === 'payload_json');
      const attachments = parts
        .filter((p) => /^files\[\d+\]$/.test(p.name))
        .map((p) => ({ name: p.filename ?? p.name, contentType: p.contentType, data: p.data }));
      return {
        json: payload ? (JSON.parse(payload.data.toString('utf8')) as Record<string, unknown>) : {},
        attachments,
      };
    }
    return { json: body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}, attachments: [] };
  }

  private route(
    method: string,
    path: string,
    body: Buffer,
    contentType: string,
    send: (status: number, json?: unknown, headers?: Record<string, string>) => void,
  ): void {
    let m: RegExpExecArray | null;
    if (method === 'GET' && (path === '/gateway/bot' || path === '/gateway')) {
      send(200, {
        url: `ws://127.0.0.1:${this.port}`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
      return;
    }
    if (method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      const { json, attachments } = this.parseBody(body, contentType);
      const cb: InteractionCallback = {
        interactionId: m[1] ?? '',
        type: Number(json.type),
        data: (json.data as Record<string, unknown>) ?? {},
        at: Date.now(),
        attachments,
      };
      this.callbacks.push(cb);
      this.callbackWaiters.get(cb.interactionId)?.(cb);
      this.callbackWaiters.delete(cb.interactionId);
      send(204);
      return;
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(\/messages\/@original)?$/.exec(path))) {
      const { json, attachments } = this.parseBody(body, contentType);
      const content = typeof json.content === 'string' ? json.content : '';
      this.webhookMessages.push({ token: m[2] ?? '', content, at: Date.now(), attachments });
      send(200, this.messageObject(this.snowflake(), this.channelId, content, []));
      return;
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') {
      const { json, attachments } = this.parseBody(body, contentType);
      const id = this.snowflake();
      const msg: RecordedMessage = {
        id,
        channelId: m[1] ?? '',
        content: typeof json.content === 'string' ? json.content : '',
        components: Array.isArray(json.components) ? json.components : [],
        attachments,
        createdAt: Date.now(),
        edits: [],
      };
      this.messages.set(id, msg);
      send(200, this.messageObject(id, msg.channelId, msg.content, attachments));
      return;
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'PATCH') {
      const msg = this.messages.get(m[2] ?? '');
      if (!msg) {
        send(404, { message: 'Unknown Message', code: 10008 });
        return;
      }
      const { json } = this.parseBody(body, contentType);
      const last = msg.edits.at(-1) ?? msg;
      msg.edits.push({
        at: Date.now(),
        content: typeof json.content === 'string' ? json.content : last.content,
        components: Array.isArray(json.components) ? json.components : last.components,
      });
      send(200, this.messageObject(msg.id, msg.channelId, this.latest(msg), []));
      return;
    }
    if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'GET') {
      send(200, { id: m[1], type: 0, guild_id: this.guildId, name: 'bench', position: 0, permission_overwrites: [] });
      return;
    }
    if (method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      const { json } = this.parseBody(body, contentType);
      this.registeredCommands.push({ route: path, body: json });
      const list = Array.isArray(json) ? (json as Record<string, unknown>[]) : [];
      send(
        200,
        list.map((c) => ({ ...c, id: this.snowflake(), application_id: this.appId, version: this.snowflake() })),
      );
      return;
    }
    send(404, { message: `emulator: no route ${method} ${path}`, code: 0 });
  }

  private messageObject(id: string, channelId: string, content: string, attachments: RecordedAttachment[]): unknown {
    return {
      id,
      channel_id: channelId,
      type: 0,
      content,
      author: { id: this.botUserId, username: 'bench', discriminator: '0', global_name: null, avatar: null, bot: true },
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: attachments.map((a, i) => ({
        id: String(i),
        filename: a.name,
        size: a.data.length,
        url: `http://127.0.0.1:${this.port}/attachments/${id}/${a.name}`,
        proxy_url: '',
      })),
      embeds: [],
      pinned: false,
      components: [],
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
