import { describe, expect, it } from "vitest";
import { shortenUserAgent } from "./user-agent";

describe("shortenUserAgent", () => {
  it("names common browsers and systems", () => {
    expect(shortenUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0")).toBe("Firefox 128 on macOS");
    expect(shortenUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36")).toBe("Chrome 126 on Windows");
    expect(shortenUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87")).toBe(
      "Edge 126 on Windows",
    );
    expect(shortenUserAgent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15")).toBe("Safari 17 on macOS");
    expect(shortenUserAgent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")).toBe(
      "Safari 17 on iOS",
    );
    expect(shortenUserAgent("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36")).toBe("Chrome 126 on Android");
    expect(shortenUserAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/127.0.6533.5 Safari/537.36")).toBe(
      "Headless Chrome 127 on Linux",
    );
  });

  it("keeps a tool's own name", () => {
    expect(shortenUserAgent("curl/8.4.0")).toBe("curl 8.4.0");
    expect(shortenUserAgent("node")).toBe("node");
  });

  it("says when nothing is known", () => {
    expect(shortenUserAgent(null)).toBe("Unknown device");
    expect(shortenUserAgent("   ")).toBe("Unknown device");
    expect(shortenUserAgent("x".repeat(80))).toHaveLength(40);
  });
});
