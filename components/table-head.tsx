/** The header row shared by the dashboard's small tables. */
export function TableHead({ labels }: { labels: string[] }) {
  return (
    <thead className="text-xs text-zinc-500">
      <tr>
        {labels.map((label, index) => (
          <th key={`${label}-${index}`} className="px-4 py-1.5 font-medium">
            {label}
          </th>
        ))}
      </tr>
    </thead>
  );
}
