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
