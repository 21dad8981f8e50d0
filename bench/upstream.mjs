// The upstream every proxy in bench:proxy talks to: the smallest useful HTTP service.
import http from "node:http";

const body = "hello world\n";
http
  .createServer((_req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(body);
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
