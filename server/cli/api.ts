import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "../api/router";
import type { Service } from "../contracts/service";
import type { Credentials } from "./credentials";
import { notFoundError } from "./exit-codes";

/** The server's tRPC API, as the token's owner. */
export const createApi = ({ url, token }: Credentials) =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/api/trpc`, headers: { authorization: `Bearer ${token}` } })] });

export type Api = ReturnType<typeof createApi>;

/** Services are named on the command line and addressed by id on the API. */
export async function resolveServices(api: Api, names: readonly string[]): Promise<Service[]> {
  const services = await api.services.list.query();
  const byName = new Map(services.map((s) => [s.name, s]));
  const missing = names.filter((name) => !byName.has(name));
  if (missing.length > 0) throw notFoundError(`no service named ${missing.join(", ")}${services.length > 0 ? ` (there are: ${services.map((s) => s.name).join(", ")})` : ""}`);
  return names.map((name) => byName.get(name)!);
}

export async function resolveService(api: Api, name: string): Promise<Service> {
  const [service] = await resolveServices(api, [name]);
  return service!;
}
