import { memo } from "react";

/**
 * A minute of one figure (a value a second) as a tiny SVG area. Plain SVG, not a chart library:
 * a canvas of hundreds of nodes may redraw many of these every second.
 */
export const Sparkline = memo(function Sparkline({ values, width = 192, height = 24, className = "text-sky-500" }: {
  values: readonly number[];
  width?: number;
  height?: number;
  className?: string;
}) {
  const max = Math.max(...values, 1);
  const step = width / Math.max(1, 59);
  const offset = width - (values.length - 1) * step;
  const coords = values.map((v, i) => `${(offset + i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`);
  return (
    <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} className={className} aria-hidden>
      <line x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} stroke="currentColor" strokeOpacity={0.2} />
      {coords.length > 1 && (
        <>
          <polygon points={`${coords[0]!.split(",")[0]},${height} ${coords.join(" ")} ${width},${height}`} fill="currentColor" fillOpacity={0.15} />
          <polyline points={coords.join(" ")} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" />
        </>
      )}
    </svg>
  );
});
