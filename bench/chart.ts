/**
 * A dependency-free SVG bar chart: throughput and p99 latency per endpoint, floor first.
 */
type Bar = { name: string; rps: number; p99: number };

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function chart(bars: Bar[]): string {
  const width = 760;
  const rowHeight = 46;
  const labelWidth = 230;
  const plot = (width - labelWidth - 30) / 2;
  const height = 60 + bars.length * rowHeight;
  const maxRps = Math.max(...bars.map((b) => b.rps), 1);
  const maxP99 = Math.max(...bars.map((b) => b.p99), 1);
  const rows = bars.map((b, i) => {
    const y = 45 + i * rowHeight;
    const rpsWidth = (b.rps / maxRps) * (plot - 60);
    const p99Width = (b.p99 / maxP99) * (plot - 60);
    const x2 = labelWidth + plot + 20;
    return [
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escape(b.name)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${rpsWidth.toFixed(1)}" height="22" fill="${i === 0 ? "#94a3b8" : "#1d4ed8"}"/>`,
      `<text x="${labelWidth + rpsWidth + 4}" y="${y + 16}">${b.rps.toFixed(0)}/s</text>`,
      `<rect x="${x2}" y="${y}" width="${p99Width.toFixed(1)}" height="22" fill="${i === 0 ? "#94a3b8" : "#b45309"}"/>`,
      `<text x="${x2 + p99Width + 4}" y="${y + 16}">${b.p99} ms</text>`,
    ].join("\n  ");
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
  <text x="${labelWidth}" y="24" font-weight="bold">Successes per second</text>
  <text x="${labelWidth + plot + 20}" y="24" font-weight="bold">p99 latency, established connections</text>
  ${rows.join("\n  ")}
</svg>
`;
}
