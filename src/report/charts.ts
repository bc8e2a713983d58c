/**
 * Charts for the report, with no JavaScript and nothing fetched from anywhere:
 * - `timelineSvg`: inline SVG (for the HTML file, the browser and the PDF).
 * - `timelinePng`: the same bars as a PNG (for email: Gmail and Outlook do not show inline SVG, so the
 *   email carries it as a CID attachment). Drawn and encoded here with node:zlib; the axis labels are
 *   HTML text around the image, so no font is needed.
 * Bar lists (countries, ports) are plain HTML tables in html.ts, which every mail client renders.
 */
import { deflateSync } from 'node:zlib';
import type { TimePoint } from './build';
import { num } from './build';

export const COLOURS = { denied: '#5b7fbf', allowed: '#e07b24', grid: '#e3e6ea', text: '#4a5360' };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface TimelineOptions {
  width?: number;
  height?: number;
  tz?: string;
  bucketMs?: number;
}

/** Room a tick label needs (about "Wed 30" at 11 px). */
const LABEL_W = 44;

function tickLabel(t: number, tz: string, bucketMs: number): string {
  const o: Intl.DateTimeFormatOptions = bucketMs >= 86400000 ? { day: 'numeric', month: 'short' } : { weekday: 'short', day: 'numeric' };
  return new Intl.DateTimeFormat('en-GB', { ...o, timeZone: tz }).format(new Date(t));
}

/** Stacked bars (blocked below, let through on top) of inbound events over time, as an SVG string. */
export function timelineSvg(points: TimePoint[], opts: TimelineOptions = {}): string {
  const W = opts.width ?? 720, H = opts.height ?? 220, L = 56, R = 8, T = 12, B = 28;
  const tz = opts.tz ?? 'UTC';
  const bucketMs = opts.bucketMs ?? 3600000;
  const max = niceMax(Math.max(0, ...points.map((p) => p.denied + p.allowed)));
  const n = Math.max(1, points.length);
  const bw = (W - L - R) / n;
  const y = (v: number) => T + (H - T - B) * (1 - v / max);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Connection attempts from the internet over time" class="gw-chart" style="max-width:100%;height:auto;font-family:Arial,Helvetica,sans-serif">`);
  parts.push('<title>Connection attempts from the internet over time: blue blocked, orange let through</title>');
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4, yy = y(v).toFixed(1);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${yy}" y2="${yy}" stroke="${COLOURS.grid}" stroke-width="1"/>`);
    parts.push(`<text x="${L - 6}" y="${(+yy + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="${COLOURS.text}">${esc(num(v))}</text>`);
  }
  points.forEach((p, i) => {
    const x = (L + i * bw).toFixed(2), w = Math.max(0.5, bw - (bw > 3 ? 1 : 0)).toFixed(2);
    if (p.denied > 0) parts.push(`<rect x="${x}" y="${y(p.denied).toFixed(2)}" width="${w}" height="${(y(0) - y(p.denied)).toFixed(2)}" fill="${COLOURS.denied}"/>`);
    if (p.allowed > 0) parts.push(`<rect x="${x}" y="${y(p.denied + p.allowed).toFixed(2)}" width="${w}" height="${(y(p.denied) - y(p.denied + p.allowed)).toFixed(2)}" fill="${COLOURS.allowed}"/>`);
  });
  // Ticks at local midnights (hourly bars) or evenly (longer bars), at most about 10.
  const ticks: number[] = [];
  if (bucketMs < 86400000) {
    const dayOf = new Intl.DateTimeFormat('en-GB', { day: 'numeric', timeZone: tz });
    let prev = '';
    points.forEach((pt, i) => {
      const d = dayOf.format(new Date(pt.t));
      if (d !== prev) ticks.push(i);
      prev = d;
    });
    while (ticks.length > 10) for (let k = ticks.length - 2; k >= 1; k -= 2) ticks.splice(k, 1);
  } else for (let i = 0; i < n; i += Math.max(1, Math.ceil(n / 8))) ticks.push(i);
  // A period that starts late in a day has its first midnight a few bars in: the two labels would overprint
  // ("Thu 26" under "Fri 27"), so the start's goes and the midnight's stays.
  if (ticks.length >= 2 && (ticks[1]! - ticks[0]!) * bw < LABEL_W) ticks.shift();
  let lastX = -Infinity;
  for (const i of ticks) {
    const x = L + i * bw;
    if (x > W - R - 44) continue; // no room for the label
    if (x - lastX < LABEL_W) continue; // too close to the label before
    lastX = x;
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${H - B}" y2="${H - B + 4}" stroke="${COLOURS.text}"/>`);
    parts.push(`<text x="${(x + 2).toFixed(1)}" y="${H - 8}" font-size="11" fill="${COLOURS.text}">${esc(tickLabel(points[i]!.t, tz, bucketMs))}</text>`);
  }
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="${COLOURS.text}"/>`);
  parts.push('</svg>');
  return parts.join('');
}

// ---- PNG ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Encode an RGB image (3 bytes a pixel, row-major) as PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    Buffer.from(rgb.buffer, rgb.byteOffset + y * width * 3, width * 3).copy(raw, y * (width * 3 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** The timeline as a PNG (no text: the HTML around it gives the scale). */
export function timelinePng(points: TimePoint[], width = 640, height = 160): { png: Buffer; max: number } {
  const rgb = new Uint8Array(width * height * 3).fill(255);
  const fill = (x0: number, y0: number, x1: number, y1: number, c: [number, number, number]) => {
    const xa = Math.max(0, Math.floor(x0)), xb = Math.min(width, Math.ceil(x1));
    const ya = Math.max(0, Math.floor(y0)), yb = Math.min(height, Math.ceil(y1));
    for (let yy = ya; yy < yb; yy++) {
      for (let xx = xa; xx < xb; xx++) {
        const o = (yy * width + xx) * 3;
        rgb[o] = c[0];
        rgb[o + 1] = c[1];
        rgb[o + 2] = c[2];
      }
    }
  };
  const max = niceMax(Math.max(0, ...points.map((p) => p.denied + p.allowed)));
  const T = 4, B = 1;
  const y = (v: number) => T + (height - T - B) * (1 - v / max);
  const grid = hex(COLOURS.grid), den = hex(COLOURS.denied), all = hex(COLOURS.allowed), axis = hex(COLOURS.text);
  for (let k = 0; k <= 4; k++) fill(0, y((max * k) / 4), width, y((max * k) / 4) + 1, grid);
  const n = Math.max(1, points.length), bw = width / n;
  points.forEach((p, i) => {
    const x0 = Math.round(i * bw), x1 = Math.max(x0 + 1, Math.round((i + 1) * bw) - (bw >= 4 ? 1 : 0));
    if (p.denied > 0) fill(x0, y(p.denied), x1, y(0), den);
    if (p.allowed > 0) fill(x0, y(p.denied + p.allowed), x1, y(p.denied), all);
  });
  fill(0, height - 1, width, height, axis);
  return { png: encodePng(width, height, rgb), max };
}
