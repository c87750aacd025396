/**
 * A dependency-free SVG bar chart: throughput and p99 latency per endpoint, floor first, one
 * bar per database engine in each endpoint's group (SQLite above PostgreSQL).
 */
export type Bar = { engine: string; rps: number; p99: number };
export type Row = { name: string; bars: Bar[] };

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Each engine's colour, in order; the floor row is drawn in lighter shades of the same. */
const COLOURS = [
  { bar: "#1d4ed8", floor: "#93c5fd" },
  { bar: "#b45309", floor: "#fcd34d" },
  { bar: "#0f766e", floor: "#5eead4" },
];

export function chart(rows: Row[]): string {
  const engines = [...new Set(rows.flatMap((r) => r.bars.map((b) => b.engine)))];
  const width = 880;
  const barHeight = 18;
  const rowHeight = engines.length * (barHeight + 3) + 14;
  const labelWidth = 330;
  const plot = (width - labelWidth - 30) / 2;
  const top = 62;
  const height = top + rows.length * rowHeight;
  const all = rows.flatMap((r) => r.bars);
  const maxRps = Math.max(...all.map((b) => b.rps), 1);
  const maxP99 = Math.max(...all.map((b) => b.p99), 1);
  const x2 = labelWidth + plot + 20;
  const legend = engines.map((engine, i) => {
    const x = labelWidth + i * 130;
    return `<rect x="${x}" y="34" width="12" height="12" fill="${COLOURS[i % COLOURS.length].bar}"/><text x="${x + 16}" y="44">${escape(engine)}</text>`;
  });
  const drawn = rows.map((row, r) => {
    const y0 = top + r * rowHeight;
    const parts = [`<text x="${labelWidth - 8}" y="${y0 + (engines.length * (barHeight + 3)) / 2 + 4}" text-anchor="end">${escape(row.name)}</text>`];
    engines.forEach((engine, i) => {
      const bar = row.bars.find((b) => b.engine === engine);
      if (!bar) return;
      const y = y0 + i * (barHeight + 3);
      const colour = COLOURS[i % COLOURS.length][r === 0 ? "floor" : "bar"];
      const rpsWidth = (bar.rps / maxRps) * (plot - 60);
      const p99Width = (bar.p99 / maxP99) * (plot - 60);
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${rpsWidth.toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
        `<text x="${labelWidth + rpsWidth + 4}" y="${y + 13}">${bar.rps.toFixed(0)}/s</text>`,
        `<rect x="${x2}" y="${y}" width="${p99Width.toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
        `<text x="${x2 + p99Width + 4}" y="${y + 13}">${bar.p99} ms</text>`,
      );
    });
    return parts.join("\n  ");
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
  <text x="${labelWidth}" y="20" font-weight="bold">Successes per second</text>
  <text x="${x2}" y="20" font-weight="bold">p99 latency, established connections</text>
  ${legend.join("\n  ")}
  ${drawn.join("\n  ")}
</svg>
`;
}
