/** A run of text with the SGR styling in force. */
export type AnsiSegment = { text: string; color?: string; background?: string; bold?: boolean };

const COLORS = ["#4b5563", "#ef4444", "#22c55e", "#eab308", "#3b82f6", "#d946ef", "#06b6d4", "#e5e7eb"];
const BRIGHT = ["#9ca3af", "#f87171", "#4ade80", "#facc15", "#60a5fa", "#e879f9", "#22d3ee", "#ffffff"];

// CSI sequences: ESC [ params final-byte. Only SGR (final "m") is applied; the rest are dropped.
const CSI = /\u001b\[([0-9;]*)([A-Za-z])/g;

/** Splits a line into styled segments, honouring the SGR codes programs commonly print. */
export function parseAnsi(line: string): AnsiSegment[] {
  const segments: AnsiSegment[] = [];
  let style: Omit<AnsiSegment, "text"> = {};
  let last = 0;
  for (const match of line.matchAll(CSI)) {
    if (match.index! > last) segments.push({ ...style, text: line.slice(last, match.index) });
    last = match.index! + match[0].length;
    if (match[2] !== "m") continue;
    const codes = (match[1] || "0").split(";").map(Number);
    for (const code of codes) {
      if (code === 0) style = {};
      else if (code === 1) style = { ...style, bold: true };
      else if (code === 22) style = { ...style, bold: false };
      else if (code >= 30 && code <= 37) style = { ...style, color: COLORS[code - 30] };
      else if (code >= 90 && code <= 97) style = { ...style, color: BRIGHT[code - 90] };
      else if (code === 39) style = { ...style, color: undefined };
      else if (code >= 40 && code <= 47) style = { ...style, background: COLORS[code - 40] };
      else if (code >= 100 && code <= 107) style = { ...style, background: BRIGHT[code - 100] };
      else if (code === 49) style = { ...style, background: undefined };
    }
  }
  if (last < line.length) segments.push({ ...style, text: line.slice(last) });
  return segments.filter((s) => s.text !== "");
}

/** The line without any escape sequences (for searching). */
export const stripAnsi = (line: string) => line.replace(CSI, "");
