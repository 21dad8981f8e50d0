import { describe, expect, it } from "vitest";
import { Feed } from "./feed";
import { createLogger } from "./logger";

describe("Feed", () => {
  it("gives each value to every listener, logs one that throws and goes on to the next", () => {
    const logged: string[] = [];
    const log = createLogger("error", { write: (line: string) => logged.push(line) } as unknown as NodeJS.WritableStream);
    const feed = new Feed<number>("numbers", log);
    const heard: number[] = [];
    feed.subscribe(() => {
      throw new Error("a broken listener");
    });
    const stop = feed.subscribe((n) => heard.push(n));
    feed.publish(1);
    feed.publish(2);
    stop();
    feed.publish(3);
    expect(heard).toEqual([1, 2]);
    expect(logged).toHaveLength(3); // the broken listener is still subscribed
    expect(JSON.parse(logged[0]!)).toMatchObject({ feed: "numbers", msg: "feed listener failed", err: { message: "a broken listener" } });
  });
});
