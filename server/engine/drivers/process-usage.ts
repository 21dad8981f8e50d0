import fs from "node:fs";
import type { Usage } from "./runtime-driver";

type TreeTotals = { ticks: number; rssPages: number };

/** Linux fixes USER_HZ at 100 on every architecture Node supports. */
const TICKS_PER_SECOND = 100;

/**
 * The kernel's page size: this process's resident size in pages (statm) against the same in kB
 * (status), rounded to a power of two against the drift between the two reads. Not `getconf`:
 * a spawn stops Gantry's thread for ~0.1 s at boot.
 */
function pageSize(): number {
  try {
    const pages = Number(fs.readFileSync("/proc/self/statm", "utf8").split(" ")[1]);
    const kB = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1]);
    const size = 2 ** Math.round(Math.log2((kB * 1024) / pages));
    return Number.isFinite(size) && size >= 4096 ? size : 4096;
  } catch {
    return 4096;
  }
}

/**
 * CPU and memory of process trees from /proc: a leader plus all its descendants, so a service
 * started through a shell or a launcher is measured by what it really runs.
 */
export class UsageSampler {
  private readonly previous = new Map<number, { at: number; ticks: number }>();
  private readonly bytesPerPage = pageSize();

  constructor(private readonly procDir = "/proc") {}

  /** Usage of each leader's tree; leaders that are gone are left out. */
  sample(leaders: Iterable<number>, now: number): Map<number, Usage> {
    const result = new Map<number, Usage>();
    const seen = new Set<number>();
    for (const leader of leaders) {
      const totals = this.treeTotals(leader);
      if (!totals) continue;
      seen.add(leader);
      const before = this.previous.get(leader);
      const elapsed = before ? (now - before.at) / 1000 : 0;
      const cpuPercent = before && elapsed > 0 ? Math.max(0, (totals.ticks - before.ticks) / TICKS_PER_SECOND / elapsed) * 100 : 0;
      this.previous.set(leader, { at: now, ticks: totals.ticks });
      result.set(leader, { cpuPercent, cpuSeconds: totals.ticks / TICKS_PER_SECOND, memoryBytes: totals.rssPages * this.bytesPerPage });
    }
    for (const leader of this.previous.keys()) if (!seen.has(leader)) this.previous.delete(leader);
    return result;
  }

  private treeTotals(leader: number): TreeTotals | undefined {
    const own = this.readStat(leader);
    if (!own) return undefined;
    const totals = { ...own };
    const pending = this.children(leader);
    for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
      const stat = this.readStat(pid);
      if (!stat) continue;
      totals.ticks += stat.ticks;
      totals.rssPages += stat.rssPages;
      pending.push(...this.children(pid));
    }
    return totals;
  }

  private readStat(pid: number): TreeTotals | undefined {
    let stat: string;
    try {
      stat = fs.readFileSync(`${this.procDir}/${pid}/stat`, "utf8");
    } catch {
      return undefined;
    }
    // Fields after the command name, which may itself contain spaces and parentheses.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime, cutime, cstime are fields 14–17; rss is field 24 (f[0] is field 3).
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { ticks, rssPages: Number(f[21]) };
  }

  private children(pid: number): number[] {
    try {
      return fs
        .readFileSync(`${this.procDir}/${pid}/task/${pid}/children`, "utf8")
        .split(" ")
        .filter(Boolean)
        .map(Number);
    } catch {
      return [];
    }
  }
}
