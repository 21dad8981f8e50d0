import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { instanceTemplate, type InstanceTemplate } from "../contracts/service";
import { AppError } from "../lib/app-error";
import type { Logger } from "../lib/logger";
import { keyFile, loadSecretKey, previousKeysFile, writeFileAtomic, type SecretBox } from "../lib/secret-box";
import { auditedTransaction, type Tx } from "../store/audited-transaction";
import type { ChangeFeed } from "../store/changes";
import type { Prisma } from "../store/database";

export type SecretKeysDeps = {
  prisma: Prisma;
  feed: ChangeFeed;
  box: SecretBox;
  dataDir: string;
  /** GANTRY_SECRET_KEY is set: the key lives in the environment, so only the operator can change it. */
  keyFromEnv: boolean;
  /** Keys a rotation left behind: opened, never used to seal. */
  previousKeys: Buffer[];
  log: Logger;
};

/** Rotating the key that seals secret env values, and re-sealing what older keys sealed. */
export function createSecretKeys({ prisma, feed, box, dataDir, keyFromEnv, previousKeys, log }: SecretKeysDeps) {
  /** Every sealed value not sealed with the first key, sealed again with it: returns how many. */
  function reseal(template: InstanceTemplate): { template: InstanceTemplate; count: number; unreadable: number } {
    let count = 0;
    let unreadable = 0;
    const secret = new Set(template.secretEnv);
    const env = { ...template.env };
    for (const [name, value] of Object.entries(env)) {
      if (!secret.has(name) || !box.isSealed(value) || box.sealedWithPrimary(value)) continue;
      try {
        env[name] = box.seal(box.open(value));
        count++;
      } catch {
        unreadable++; // sealed with a key Gantry no longer has: left as it is (it can be typed again)
      }
    }
    return { template: { ...template, env }, count, unreadable };
  }

  async function resealAll(tx: Tx): Promise<{ resealed: number; unreadable: number }> {
    // Writers wait while this runs, so nothing sealed with an old key lands after it has looked.
    await tx.$executeRawUnsafe(`LOCK TABLE "Service", "Revision", "AlertReceiver" IN SHARE ROW EXCLUSIVE MODE`);
    let resealed = 0;
    let unreadable = 0;
    // Every copy of a template: the services' current ones and every revision's.
    const tables = [
      { rows: () => tx.service.findMany({ select: { id: true, template: true } }), save: (id: string, template: InstanceTemplate) => tx.service.update({ where: { id }, data: { template } }) },
      { rows: () => tx.revision.findMany({ select: { id: true, template: true } }), save: (id: string, template: InstanceTemplate) => tx.revision.update({ where: { id }, data: { template } }) },
    ];
    for (const table of tables) {
      for (const row of await table.rows()) {
        const result = reseal(instanceTemplate.parse(row.template));
        unreadable += result.unreadable;
        if (result.count === 0) continue;
        resealed += result.count;
        await table.save(row.id, result.template);
      }
    }
    // Alert receivers' URLs that are credentials (Slack's).
    for (const receiver of await tx.alertReceiver.findMany({ select: { id: true, url: true } })) {
      if (!box.isSealed(receiver.url) || box.sealedWithPrimary(receiver.url)) continue;
      let url: string;
      try {
        url = box.seal(box.open(receiver.url));
      } catch {
        unreadable++;
        continue;
      }
      await tx.alertReceiver.update({ where: { id: receiver.id }, data: { url } });
      resealed++;
    }
    return { resealed, unreadable };
  }

  const describe = ({ resealed, unreadable }: { resealed: number; unreadable: number }) =>
    `re-sealed ${resealed} secret value(s) with the new key` + (unreadable ? `; ${unreadable} could not be opened with any key and were left as they are` : "");

  return {
    /**
     * At boot, when keys were rotated out (GANTRY_SECRET_KEY_PREVIOUS, or a rotation that a crash or
     * a race left unfinished): re-seals what they sealed, then forgets them.
     */
    async finishRotation(): Promise<void> {
      if (previousKeys.length === 0) return;
      const result = await auditedTransaction(prisma, feed, "system", async (tx, record) => {
        const result = await resealAll(tx);
        if (result.resealed > 0) await record.event({ kind: "system.secret-key-rotated", message: describe(result), data: result });
        return result;
      });
      if (keyFromEnv) log.warn(`${describe(result)}; GANTRY_SECRET_KEY_PREVIOUS is no longer needed`);
      else {
        if (result.resealed > 0) log.info(describe(result));
        fs.rmSync(previousKeysFile(dataDir), { force: true });
      }
    },

    /** The admin action: a new key in the data dir, and every secret re-sealed with it in one transaction. */
    async rotate(actor: string): Promise<{ resealed: number; unreadable: number }> {
      if (keyFromEnv) {
        throw new AppError(
          "BAD_REQUEST",
          "the key comes from GANTRY_SECRET_KEY: rotate it by setting GANTRY_SECRET_KEY to a new key and GANTRY_SECRET_KEY_PREVIOUS to the old one, then restarting (Gantry re-seals everything at boot)",
        );
      }
      const current = loadSecretKey(dataDir, undefined);
      const next = randomBytes(32);
      // The old key is kept on disk first: whatever happens next, every value stays readable.
      const kept = fs.existsSync(previousKeysFile(dataDir)) ? fs.readFileSync(previousKeysFile(dataDir), "utf8").trim() : "";
      writeFileAtomic(previousKeysFile(dataDir), [kept, current.toString("hex")].filter(Boolean).join("\n") + "\n");
      writeFileAtomic(keyFile(dataDir), next.toString("hex"));
      box.useKeys([next, current, ...previousKeys]);
      return auditedTransaction(prisma, feed, actor, async (tx, record) => {
        const result = await resealAll(tx);
        await record.event({ kind: "system.secret-key-rotated", message: describe(result), data: result });
        return result;
      });
      // The previous keys file stays until the next boot re-checks: a write that sealed with the old
      // key just before the switch and committed just after this transaction still opens.
    },
  };
}

export type SecretKeys = ReturnType<typeof createSecretKeys>;
