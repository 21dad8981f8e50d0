/**
 * How one discovery integration is doing (a mirror into etcd or ZooKeeper, the DNS interface),
 * as the Integrations page shows it.
 */
export type IntegrationStatus = {
  kind: "etcd" | "zookeeper" | "dns";
  /** Where it writes or listens: `http://127.0.0.1:2379`, `127.0.0.1:2181`, `udp+tcp 127.0.0.1:8600`. */
  target: string;
  /** `connecting` until the first success; `failing` after an error it is retrying. */
  state: "connecting" | "connected" | "failing";
  /** What it holds or has done, in a few words: "4 keys", "3 znodes", "1,204 queries answered". */
  detail: string;
  /** When it last wrote (mirrors) or answered (DNS), ISO 8601; null before the first time. */
  lastActivityAt: string | null;
  /** The last error and when it happened; kept after recovery so a flap is visible. */
  lastError: { message: string; at: string } | null;
};
