// The connection under the generated WebSocket client (ws.ts): one socket, many requests, replies matched by
// req_id. Copied as it is into every generated TypeScript client; ws.ts adds the spec's types, a method per
// request message and an error class per status code and close code.
//
// The token goes in the `token` query parameter: a browser's WebSocket cannot set an Authorization header.
// When the connection drops, the requests waiting on it reject with the close code's error; with `reconnect`,
// the client connects again with backoff, asking the token provider for a fresh token.

export type TokenProvider = () => string | Promise<string>;

export interface Backoff {
  initial?: number; // seconds before the first attempt (0.5)
  maximum?: number; // the longest wait between attempts (30)
  factor?: number; // each wait is the previous one times this (2)
  attempts?: number; // how many attempts before giving up (no end)
}

export interface ClientOptions {
  token?: string | TokenProvider;
  timeout?: number; // each call's default, in seconds (10)
  reconnect?: boolean | Backoff;
  WebSocket?: typeof WebSocket; // where there is no global WebSocket (Node.js < 22: the `ws` package)
}

export interface CallOptions {
  timeout?: number; // seconds
}

export interface Page<Item, Meta> {
  items: Item[];
  meta: Meta;
}

export interface Envelope {
  pkg_id: number | null;
  req_id: string | null;
  status_code: number;
  data: unknown;
  meta: unknown;
}

/** Everything this client rejects with. */
export class WsClientError extends Error {}

/** A reply whose status code is not OK; a subclass per status code of the spec. */
export class RequestFailed extends WsClientError {
  readonly data: { message: string; errors?: unknown[]; retry_after?: number; [key: string]: unknown };
  constructor(
    readonly statusCode: number,
    data: unknown,
    readonly pkgId: number | null,
    readonly reqId: string | null,
  ) {
    const body = (typeof data === "object" && data !== null ? data : { message: String(data) }) as RequestFailed["data"];
    super(`${new.target.name} (status ${statusCode}): ${body.message}`);
    this.name = new.target.name;
    this.data = body;
  }
  get retryAfter(): number | undefined {
    return this.data.retry_after;
  }
  get errors(): unknown[] {
    return this.data.errors ?? [];
  }
}

/** The connection closed; a subclass per close code of the spec. 1006: it dropped without a close frame. */
export class ConnectionClosed extends WsClientError {
  constructor(
    readonly code: number,
    readonly reason: string = "",
  ) {
    super(`${new.target.name} (close code ${code})${reason ? `: ${reason}` : ""}`);
    this.name = new.target.name;
  }
}

/** No reply within the call's timeout. The server may still do the request. */
export class RequestTimeout extends WsClientError {}

export type Decode = (data: unknown, meta: unknown) => unknown;

export interface Protocol {
  path: string;
  statusErrors: Record<number, new (status: number, data: unknown, pkgId: number | null, reqId: string | null) => RequestFailed>;
  closeErrors: Record<number, new (code: number, reason: string) => ConnectionClosed>;
  decoders: Record<number, Decode>;
  events: ReadonlySet<number>;
}

interface Pending {
  resolve: (envelope: Envelope) => void;
  reject: (error: Error) => void;
}

// Close codes whose cause a new connection does not cure (RFC 6455): the client sent what the server refuses.
const NOT_RETRIED = new Set([1003, 1007, 1009]);
const POLICY_VIOLATION = 1008;

export const asIs: Decode = (data) => data;
export const asPage: Decode = (data, meta) => ({ items: data, meta });
export const asNothing: Decode = () => undefined;

export class BaseWsClient<EventEnvelope extends { pkg_id: number }> {
  readonly url: string;
  connections = 0; // how many times a connection was opened (1 + the reconnections)
  private socket: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(event: EventEnvelope) => void>();
  private closedError: Error | null = null;
  private closing = false;
  private reconnecting = false;
  private readonly backoff: Required<Backoff> | null;

  constructor(
    url: string,
    private readonly protocol: Protocol,
    private readonly options: ClientOptions = {},
  ) {
    this.url = channelUrl(url, protocol.path);
    const reconnect = options.reconnect === true ? {} : options.reconnect || null;
    this.backoff = reconnect && { initial: 0.5, maximum: 30, factor: 2, attempts: Infinity, ...reconnect };
  }

  /** Open the connection (the first request does it when this was not called). */
  async connect(): Promise<this> {
    await this.ready();
    return this;
  }

  /** Close the connection; waiting requests reject with ConnectionClosed. */
  close(): void {
    this.closing = true;
    this.socket?.close(1000);
    this.failPending(new ConnectionClosed(1000, "closed by the client"));
  }

  /** Call `listener` with every event the server pushes (of these pkg_ids, when given); returns the unsubscribe. */
  on<P extends EventEnvelope["pkg_id"]>(
    pkgIds: readonly P[],
    listener: (event: Extract<EventEnvelope, { pkg_id: P }>) => void,
  ): () => void {
    const wanted = new Set<number>(pkgIds);
    const filtered = (event: EventEnvelope): void => {
      if (wanted.size === 0 || wanted.has(event.pkg_id)) listener(event as Extract<EventEnvelope, { pkg_id: P }>);
    };
    this.listeners.add(filtered);
    return () => this.listeners.delete(filtered);
  }

  /** Send one request and wait for its reply: what the message's reply holds, or a RequestFailed. */
  async request(pkgId: number, data: unknown, call: CallOptions = {}): Promise<unknown> {
    const seconds = call.timeout ?? this.options.timeout ?? 10;
    const reqId = crypto.randomUUID();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeout(`no reply to pkg_id ${pkgId} within ${seconds} s`)), seconds * 1000);
    });
    try {
      const socket = await Promise.race([this.ready(), timeout]);
      const reply = new Promise<Envelope>((resolve, reject) => this.pending.set(reqId, { resolve, reject }));
      socket.send(JSON.stringify({ pkg_id: pkgId, req_id: reqId, data }));
      const envelope = await Promise.race([reply, timeout]);
      if (envelope.status_code !== 0) {
        const Failure = this.protocol.statusErrors[envelope.status_code] ?? RequestFailed;
        throw new Failure(envelope.status_code, envelope.data, envelope.pkg_id, reqId);
      }
      const decode = this.protocol.decoders[pkgId] ?? asIs;
      return decode(envelope.data, envelope.meta);
    } finally {
      clearTimeout(timer);
      this.pending.delete(reqId);
    }
  }

  private async ready(): Promise<WebSocket> {
    if (this.closing) throw new ConnectionClosed(1000, "closed by the client");
    if (this.socket && this.socket.readyState === 1) return this.socket;
    if (this.socket && !this.reconnecting && !this.opening) throw this.closedError ?? new ConnectionClosed(1006);
    this.opening ??= this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async open(): Promise<WebSocket> {
    const Socket = this.options.WebSocket ?? globalThis.WebSocket;
    if (Socket === undefined) {
      throw new WsClientError("no WebSocket here: pass options.WebSocket (Node.js 20: node --experimental-websocket)");
    }
    const token = typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    const url = token ? `${this.url}${this.url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}` : this.url;
    const socket = new Socket(url);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new ConnectionClosed(1006, `cannot connect to ${this.url}`));
    });
    socket.onmessage = (message: MessageEvent) => this.dispatch(String(message.data));
    socket.onclose = (closed: CloseEvent) => this.closed(closed.code, closed.reason);
    this.socket = socket;
    this.closedError = null;
    this.reconnecting = false;
    this.connections += 1;
    return socket;
  }

  private dispatch(frame: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(frame) as Envelope;
    } catch {
      return; // the protocol is JSON text frames: nothing can be matched to this one
    }
    if (envelope.req_id === null) {
      if (envelope.status_code === 0 && envelope.pkg_id !== null && this.protocol.events.has(envelope.pkg_id)) {
        for (const listener of this.listeners) listener(envelope as unknown as EventEnvelope);
      }
      return;
    }
    const waiting = this.pending.get(envelope.req_id);
    this.pending.delete(envelope.req_id);
    waiting?.resolve(envelope);
  }

  private closed(code: number, reason: string): void {
    const Closed = this.protocol.closeErrors[code] ?? ConnectionClosed;
    this.closedError = new Closed(code, reason);
    this.failPending(this.closedError);
    if (this.closing || !this.backoff || NOT_RETRIED.has(code)) return;
    if (code === POLICY_VIOLATION && typeof this.options.token !== "function") return;
    this.reconnecting = true;
    void this.reconnect(this.backoff);
  }

  private async reconnect(backoff: Required<Backoff>): Promise<void> {
    let delay = backoff.initial;
    for (let attempt = 0; attempt < backoff.attempts && !this.closing; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, delay * 1000));
      try {
        await this.ready();
        return;
      } catch {
        delay = Math.min(backoff.maximum, delay * backoff.factor);
      }
    }
    this.reconnecting = false;
  }

  private failPending(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

function channelUrl(url: string, path: string): string {
  const [base, query] = url.replace(/^http(s?):\/\//, "ws$1://").split("?", 2);
  const full = base.replace(/\/+$/, "").endsWith(path) ? base : base.replace(/\/+$/, "") + path;
  return query ? `${full}?${query}` : full;
}
