/** What a balancing policy sees of an upstream instance. Live fields are updated by the proxy. */
export interface Endpoint {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly revision: number;
  readonly weight: number;
  /** Requests in flight to it right now. */
  active: number;
}

/** The request being placed: what sticky policies key on, and which endpoints it can't use. */
export interface PickRequest {
  header(lowerCaseName: string): string | undefined;
  readonly clientIp: string;
  /** Ejected, draining, or already tried for this request. */
  excludes(endpoint: Endpoint): boolean;
}

export interface Balancer {
  /** An endpoint the request doesn't exclude, or undefined if none is left. */
  pick(request: PickRequest): Endpoint | undefined;
}

export type HashOn = { kind: "header"; name: string } | { kind: "cookie"; name: string } | { kind: "client_ip" };

export type BalancerSettings = { hashOn: HashOn };

/** A policy builds a balancer for a fixed set of endpoints; the set changing means a new balancer. */
export type BalancerFactory = (endpoints: readonly Endpoint[], settings: BalancerSettings) => Balancer;
