import type { Silence } from "../../contracts/alerts";

/** The active silence that mutes an alert of `ruleName` on `serviceName`: each field it names must match. */
export function silenceFor<S extends Pick<Silence, "ruleName" | "serviceName" | "endsAt">>(
  alert: { ruleName: string; serviceName: string | null },
  silences: readonly S[],
  now: number,
): S | undefined {
  return silences.find(
    (silence) =>
      Date.parse(silence.endsAt) > now &&
      (silence.ruleName === null || silence.ruleName === alert.ruleName) &&
      (silence.serviceName === null || silence.serviceName === alert.serviceName),
  );
}
