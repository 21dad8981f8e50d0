import zookeeper, { type Client, type Event as WatchEvent, type Stat } from "node-zookeeper-client";

/** How long a request (or establishing a session) may take before the session is given up on. */
export const ZOOKEEPER_REQUEST_TIMEOUT_MS = 3000;

export type SessionEvents = {
  /** The connection dropped; the client is reconnecting, and the session may yet survive. */
  onDisconnected?: () => void;
  /** Connected again within the session timeout: the session and its ephemerals are intact. */
  onReconnected?: () => void;
  /** ZooKeeper dropped the session (and with it every ephemeral znode it owned); it is dead. */
  onExpired?: () => void;
};

/** ZooKeeper's error codes (`ZooKeeperCode.NODE_EXISTS`…), as node-zookeeper-client numbers them. */
export const ZooKeeperCode = zookeeper.Exception;

/** A request that failed, saying which; `code` is ZooKeeper's error code, undefined for a timeout. */
export class ZooKeeperRequestError extends Error {
  override readonly name = "ZooKeeperRequestError";
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
  }
}

export function isZooKeeperError(err: unknown, code: number): boolean {
  return err instanceof ZooKeeperRequestError && err.code === code;
}

/**
 * One ZooKeeper session as promises, each request bounded by a timeout (node-zookeeper-client
 * queues requests while disconnected and would otherwise wait for as long as ZooKeeper is away).
 * Once expired or closed a session is done: open a new one.
 */
export class ZooKeeperSession {
  private closed = false;

  private constructor(
    private readonly client: Client,
    readonly connect: string,
  ) {}

  /** Connects and resolves with the established session, or rejects after the request timeout. */
  static open(connect: string, sessionTimeoutMs: number, events: SessionEvents = {}): Promise<ZooKeeperSession> {
    const client = zookeeper.createClient(connect, { sessionTimeout: sessionTimeoutMs, spinDelay: 500, retries: 0 });
    const session = new ZooKeeperSession(client, connect);
    return new Promise((resolve, reject) => {
      let established = false;
      const timer = setTimeout(() => {
        void session.close();
        reject(new Error(`could not connect to ZooKeeper at ${connect} within ${ZOOKEEPER_REQUEST_TIMEOUT_MS} ms`));
      }, ZOOKEEPER_REQUEST_TIMEOUT_MS);
      client.on("state", (state) => {
        if (session.closed) return;
        if (state === zookeeper.State.SYNC_CONNECTED) {
          if (!established) {
            established = true;
            clearTimeout(timer);
            resolve(session);
          } else events.onReconnected?.();
        } else if (state === zookeeper.State.DISCONNECTED) {
          if (established) events.onDisconnected?.();
        } else if (state === zookeeper.State.EXPIRED) {
          session.closed = true;
          if (established) events.onExpired?.();
          else {
            clearTimeout(timer);
            reject(new Error(`ZooKeeper at ${connect} refused the session as expired`));
          }
        } else if (state === zookeeper.State.AUTH_FAILED) {
          clearTimeout(timer);
          void session.close();
          reject(new Error(`ZooKeeper at ${connect} refused authentication`));
        }
      });
      client.connect();
    });
  }

  /** The timeout ZooKeeper granted (it clamps the requested one to its tickTime × 2…20). */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /**
   * Ends the session: ZooKeeper deletes its ephemeral znodes at once. Resolves when ZooKeeper has
   * hung up, or after a second when it can't be reached (the session then expires). Idempotent.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const connected = this.client.getState() === zookeeper.State.SYNC_CONNECTED;
    this.client.close();
    if (!connected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.client.once("disconnected", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  create(path: string, data: Buffer, mode: number): Promise<void> {
    return this.request(`create ${path}`, (done) => this.client.create(path, data, mode, (err) => done(err)));
  }

  /** Creates `path` and its missing ancestors as persistent znodes. */
  mkdirp(path: string): Promise<void> {
    return this.request(`mkdirp ${path}`, (done) => this.client.mkdirp(path, (err) => done(err)));
  }

  setData(path: string, data: Buffer): Promise<void> {
    return this.request(`setData ${path}`, (done) => this.client.setData(path, data, -1, (err) => done(err)));
  }

  remove(path: string): Promise<void> {
    return this.request(`delete ${path}`, (done) => this.client.remove(path, -1, (err) => done(err)));
  }

  getData(path: string): Promise<{ data: Buffer; stat: Stat }> {
    return this.request(`getData ${path}`, (done) => this.client.getData(path, (err, data, stat) => done(err, { data, stat })));
  }

  getChildren(path: string): Promise<string[]> {
    return this.request(`getChildren ${path}`, (done) => this.client.getChildren(path, (err, children) => done(err, children)));
  }

  /** Whether `path` exists; `watcher` is called once on its next creation, deletion or change. */
  exists(path: string, watcher?: (event: WatchEvent) => void): Promise<boolean> {
    return this.request(`exists ${path}`, (done) =>
      watcher ? this.client.exists(path, watcher, (err, stat) => done(err, Boolean(stat))) : this.client.exists(path, (err, stat) => done(err, Boolean(stat))),
    );
  }

  private request<T = void>(what: string, send: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ZooKeeperRequestError(`ZooKeeper ${what} timed out after ${ZOOKEEPER_REQUEST_TIMEOUT_MS} ms`, undefined)), ZOOKEEPER_REQUEST_TIMEOUT_MS);
      send((err, value) => {
        clearTimeout(timer);
        if (err instanceof zookeeper.Exception) reject(new ZooKeeperRequestError(`ZooKeeper ${what}: ${err.getName()}`, err.getCode()));
        else if (err) reject(err);
        else resolve(value as T);
      });
    });
  }
}
