import type { BalancerPolicy } from "../../../contracts/traffic";
import type { BalancerFactory } from "./balancer";
import { leastRequest } from "./least-request";
import { random } from "./random";
import { ringHash } from "./ring-hash";
import { roundRobin } from "./round-robin";
import { weighted } from "./weighted";

export type { Balancer, BalancerFactory, Endpoint, PickRequest } from "./balancer";

/** Balancing policies by name: a new policy is a file and one entry here. */
export const balancers: Record<BalancerPolicy, BalancerFactory> = {
  round_robin: roundRobin,
  weighted,
  least_request: leastRequest,
  ring_hash: ringHash,
  random,
};
