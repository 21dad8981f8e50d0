import { describe, expect, it } from "vitest";
import { onSessionLost, sessionLost, sessionRegained } from "./session-state";

describe("a lost session, after signing in again over the page", () => {
  it("asks again for a refusal of what was sent after the sign-in, not of what was sent before it", () => {
    const asked: string[] = [];
    const stop = onSessionLost((reason) => asked.push(reason));
    try {
      const pollSentBefore = performance.now();
      sessionLost("Your session has ended.", pollSentBefore);
      expect(asked).toEqual(["Your session has ended."]);

      sessionRegained(); // the poll above is answered 401 only now: it carried the old cookie
      sessionLost("Your session has ended.", pollSentBefore);
      expect(asked).toHaveLength(1);

      sessionLost("You were signed out.", performance.now()); // signed out again, later
      expect(asked).toEqual(["Your session has ended.", "You were signed out."]);
    } finally {
      stop();
    }
  });
});
