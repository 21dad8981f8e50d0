import http from "node:http";

/** GET through a keep-alive agent; a transport error is status 0 with its message, never a throw. */
export function get(url: string, agent: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      })
      .on("error", (err) => resolve({ status: 0, body: err.message }));
  });
}

export type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** Any request, headers exactly as given (Host and Origin included, which fetch won't let a test set). */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}
