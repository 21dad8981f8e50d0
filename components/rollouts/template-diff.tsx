import type { TemplateChange } from "@/server/contracts/rollout";

const show = (value: TemplateChange["before"]) => (value === null ? "—" : typeof value === "string" ? value : JSON.stringify(value));

/** Fields that differ between two revisions; secret values arrive already hidden. */
export function TemplateDiff({ changes, label }: { changes: TemplateChange[]; label: string }) {
  if (changes.length === 0) return <p className="text-xs text-zinc-500">No differences in the instance template.</p>;
  return (
    <table aria-label={label} className="w-full table-fixed text-left font-mono text-xs">
      <tbody>
        {changes.map((change) => (
          <tr key={change.path} className="border-t border-zinc-100 align-top dark:border-zinc-800">
            <th scope="row" className="w-1/4 py-1 pr-2 font-medium break-words">
              {change.path}
            </th>
            <td className="py-1 pr-2 break-words text-red-700 line-through decoration-red-300 dark:text-red-400">{show(change.before)}</td>
            <td className="py-1 break-words text-emerald-700 dark:text-emerald-400">{show(change.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
