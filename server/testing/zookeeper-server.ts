import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./ports";

/** Debian's `zookeeper` package: the server jar (its manifest names its dependencies) and zkServer.sh. */
const ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar";
const SLF4J_BINDING = "/usr/share/java/slf4j-simple.jar";

/** Why ZooKeeper can't run here, or undefined when it can. */
export function zookeeperMissing(): string | undefined {
  if (!fs.existsSync(ZOOKEEPER_JAR)) return `no ${ZOOKEEPER_JAR} (apt-get install zookeeper)`;
  if (spawnSync("java", ["-version"]).status !== 0) return "no java (apt-get install zookeeper brings one)";
  return undefined;
}


/** Sends a four-letter command (`srvr`) and returns ZooKeeper's answer, or "" when nothing listens. */
function fourLetter(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(command));
    let answer = "";
    socket.setTimeout(1000, () => socket.destroy());
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("close", () => resolve(answer));
    socket.on("error", () => resolve(""));
  });
}

export type ZooKeeperServer = {
  /** `127.0.0.1:<port>`, a connect string. */
  readonly connect: string;
  readonly dataDir: string;
  /** Starts (again, on the same data dir and port) and resolves once it serves requests. */
  start(): Promise<void>;
  /** SIGTERM, then waits for the JVM to exit. */
  stop(): Promise<void>;
  /** Stops it and removes its data dir. */
  destroy(): Promise<void>;
};

/**
 * A standalone ZooKeeper on a free loopback port with a data dir of its own, restartable. tickTime
 * is 500 ms, so it grants session timeouts from 1 s to 30 s. Its log goes to `<dataDir>/zookeeper.log`.
 */
export function zookeeperServer(): ZooKeeperServer {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-zookeeper-"));
  let port = 0;
  let child: ChildProcess | undefined;
  return {
    get connect() {
      return `127.0.0.1:${port}`;
    },
    dataDir,
    async start() {
      if (!port) port = await freePort();
      const config = path.join(dataDir, "zoo.cfg");
      fs.writeFileSync(
        config,
        [
          "tickTime=500",
          "maxSessionTimeout=30000",
          `dataDir=${path.join(dataDir, "data")}`,
          `clientPort=${port}`,
          "clientPortAddress=127.0.0.1",
          "admin.enableServer=false", // its Jetty would take port 8080
          "4lw.commands.whitelist=srvr",
          "",
        ].join("\n"),
      );
      const log = fs.openSync(path.join(dataDir, "zookeeper.log"), "a");
      child = spawn("java", ["-Xmx256m", "-cp", `${ZOOKEEPER_JAR}:${SLF4J_BINDING}`, "-Dzookeeper.jmx.log4j.disable=true", "org.apache.zookeeper.server.quorum.QuorumPeerMain", config], {
        stdio: ["ignore", log, log],
      });
      fs.closeSync(log);
      const started = child;
      const deadline = Date.now() + 30_000;
      while (!/Mode: standalone/.test(await fourLetter(port, "srvr"))) {
        if (started.exitCode !== null) throw new Error(`ZooKeeper exited with ${started.exitCode}; see ${path.join(dataDir, "zookeeper.log")}`);
        if (Date.now() > deadline) throw new Error(`ZooKeeper did not serve within 30 s; see ${path.join(dataDir, "zookeeper.log")}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
    async destroy() {
      await this.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
