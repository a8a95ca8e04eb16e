import { containersOf, kindOf } from "./containers";
import { cpusText, mibText, percentOf } from "./describe";
import type { HostMemoryPlan } from "./types";
import { MiB } from "../config/units";

// The host's memory as one stacked bar, left to right in the order the planner fills it.

interface Segment {
  readonly label: string;
  /** Absent on a pool's later replicas: the first one's legend counts them all. */
  readonly legend?: { readonly text: string; readonly bytes: number };
  readonly bytes: number;
  readonly fill: string;
  readonly ink: string;
}

function segments(plan: HostMemoryPlan): Segment[] {
  const list: Segment[] = [
    segment("reserve", "reserve — OS, dockerd, sshd, kernel, page cache", plan.host.reserve.bytes, "#616161", "#fff"),
  ];
  const nth = new Map<string, number>();
  for (const c of containersOf(plan)) {
    const index = nth.get(c.kind) ?? 0;
    nth.set(c.kind, index + 1);
    for (const part of kindOf(c).picture(c, plan, index)) {
      const { legend, bytes, fill, ink } = part;
      const label = c.replicas > 1 ? `${part.label} #1` : part.label;
      list.push(segment(label, legend, bytes, fill, ink, c.replicas));
      for (let replica = 2; replica <= c.replicas; replica++)
        list.push({ label: `${part.label} #${replica}`, bytes, fill, ink });
    }
  }
  list.push(
    segment("headroom", "headroom — unclaimed: page cache, room to grow", plan.headroom.bytes, "#e8f5e9", "#1b5e20"),
  );
  return list;
}

function segment(label: string, text: string, bytes: number, fill: string, ink: string, replicas = 1): Segment {
  return { label, legend: { text, bytes: bytes * replicas }, bytes, fill, ink };
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&"]/g, (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[ch] ?? ch);

// Rough width of 12px sans-serif text: labels that would not fit their segment are left to the legend.
const textWidth = (text: string, px = 12): number => text.length * px * 0.56;

const tickStep = (host: number): number =>
  host <= 2048 * MiB ? 256 * MiB : host <= 4096 * MiB ? 512 * MiB : 1024 * MiB;

/** An SVG picture of the plan: a stacked bar of the host's memory, an axis in MiB and a legend. */
export function renderPlanSvg(plan: HostMemoryPlan, title: string): string {
  const host = plan.host.memory.bytes;
  const [left, width, barTop, barHeight] = [24, 912, 104, 64];
  const x = (bytes: number): number => left + (bytes / host) * width;
  const parts: string[] = [];
  let at = 0;
  const all = segments(plan);
  for (const s of all) {
    const [x0, w] = [x(at), (s.bytes / host) * width];
    const dashed = s.label === "headroom" ? ' stroke="#66bb6a" stroke-dasharray="4 3"' : ' stroke="#fff"';
    parts.push(
      `<rect x="${x0.toFixed(1)}" y="${barTop}" width="${w.toFixed(1)}" height="${barHeight}" fill="${s.fill}"${dashed}><title>${escapeXml(`${s.label}: ${mibText(s.bytes)}`)}</title></rect>`,
    );
    const mibLine = `${s.bytes / MiB} MiB`;
    if (w - 8 >= Math.max(textWidth(s.label), textWidth(mibLine))) {
      const cx = (x0 + w / 2).toFixed(1);
      parts.push(
        `<text x="${cx}" y="${barTop + 28}" text-anchor="middle" fill="${s.ink}" font-weight="600">${escapeXml(s.label)}</text>`,
      );
      parts.push(`<text x="${cx}" y="${barTop + 46}" text-anchor="middle" fill="${s.ink}">${mibLine}</text>`);
    }
    at += s.bytes;
  }
  // A bracket over both Redis segments: the container limit that maxmemory lives inside (on Redis' host only).
  if (plan.redis) {
    const [r0, r1] = [x(plan.host.reserve.bytes), x(plan.host.reserve.bytes + plan.redis.limit.bytes)];
    parts.push(
      `<path d="M${r0.toFixed(1)} ${barTop - 4}V${barTop - 10}H${r1.toFixed(1)}V${barTop - 4}" fill="none" stroke="#c62828"/>`,
    );
    parts.push(
      `<text x="${((r0 + r1) / 2).toFixed(1)}" y="${barTop - 15}" text-anchor="middle" fill="#c62828" font-size="11">redis limit ${plan.redis.limit.mib} MiB</text>`,
    );
  }
  const axisY = barTop + barHeight;
  for (let tick = 0; tick <= host; tick += tickStep(host)) {
    parts.push(
      `<line x1="${x(tick).toFixed(1)}" y1="${axisY}" x2="${x(tick).toFixed(1)}" y2="${axisY + 6}" stroke="#555"/>`,
    );
    parts.push(
      `<text x="${x(tick).toFixed(1)}" y="${axisY + 20}" text-anchor="middle" fill="#555" font-size="11">${tick / MiB}</text>`,
    );
  }
  parts.push(`<text x="${left + width}" y="${axisY + 36}" text-anchor="end" fill="#555" font-size="11">MiB</text>`);
  const legendTop = axisY + 52;
  const entries = all.flatMap((s) => (s.legend ? [{ ...s.legend, fill: s.fill }] : []));
  entries.forEach(({ text, bytes, fill }, i) => {
    const y = legendTop + i * 22;
    parts.push(
      `<rect x="${left}" y="${y}" width="14" height="14" fill="${fill}" stroke="#9e9e9e" stroke-width="0.5"/>`,
    );
    parts.push(`<text x="${left + 22}" y="${y + 12}" fill="#222">${escapeXml(text)}</text>`);
    parts.push(
      `<text x="${left + width}" y="${y + 12}" text-anchor="end" fill="#222">${mibText(bytes)} · ${percentOf(bytes, host)}</text>`,
    );
  });
  const height = legendTop + entries.length * 22 + 12;
  const subtitle = `host ${mibText(host)} · ${cpusText(plan.host.cpus)} · headroom ${mibText(plan.headroom.bytes)} (${percentOf(plan.headroom.bytes, host)})`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left * 2 + width}" height="${height}" viewBox="0 0 ${left * 2 + width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="36" font-size="18" font-weight="700" fill="#222">${escapeXml(`queuekit memory plan — ${title}`)}</text>`,
    `<text x="${left}" y="60" fill="#555">${escapeXml(subtitle)}</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
