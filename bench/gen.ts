/**
 * Log generators for benchmarks and tests: realistic netfilter lines (OpenWrt, UFW, EdgeOS, IPv6, ICMP,
 * UDP) with many distinct sources, and a mixed-vendor stream built from our own fixtures.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** Deterministic PRNG (mulberry32) so runs are comparable. */
export function rng(seed = 42): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function bsd(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const t = d.toISOString().slice(11, 19);
  return `${MONTHS[d.getUTCMonth()]} ${day} ${t}`;
}

const PORTS = [22, 23, 80, 443, 445, 3389, 8080, 5900, 1433, 3306, 25, 53, 123, 161, 1900, 5060, 8443, 2323, 6379, 27017];

/** `n` netfilter lines over `days` days from `sources` distinct public sources (Zipf-ish mix). */
export function netfilterLines(n: number, opts: { sources?: number; seed?: number; startMs?: number; days?: number } = {}): string[] {
  const r = rng(opts.seed ?? 1);
  const sources = opts.sources ?? 50000;
  const start = opts.startMs ?? Date.UTC(2026, 10, 16);
  const span = (opts.days ?? 7) * 86400000;
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = start + Math.floor((i / n) * span);
    // Zipf-ish: a few sources are very busy.
    const k = Math.floor(Math.pow(r(), 3) * sources);
    const src = `${45 + (k >> 16) % 150}.${(k >> 8) & 255}.${k & 255}.${1 + (k % 253)}`;
    const dpt = PORTS[Math.floor(r() * PORTS.length)]!;
    const spt = 1024 + Math.floor(r() * 64000);
    const kind = r();
    if (kind < 0.55) {
      out[i] = `<4>${bsd(t)} OpenWrt kernel: [${(i / 10).toFixed(6)}] DROP(src wan)IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=${src} DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=${i & 65535} PROTO=TCP SPT=${spt} DPT=${dpt} WINDOW=1024 RES=0x00 SYN URGP=0`;
    } else if (kind < 0.75) {
      out[i] = `${bsd(t)} office kernel: [${(i / 10).toFixed(6)}] [UFW BLOCK] IN=enp3s0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${src} DST=192.0.2.10 LEN=28 TOS=0x00 PREC=0x00 TTL=50 ID=7 PROTO=UDP SPT=${spt} DPT=${dpt} LEN=8`;
    } else if (kind < 0.88) {
      out[i] = `<4>${bsd(t)} ubnt kernel: [WAN_LOCAL-default-D]IN=eth0 OUT= MAC=f0:9f:c2:00:00:01:00:00:5e:00:01:01:08:00 SRC=${src} DST=198.51.100.1 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=1 DF PROTO=TCP SPT=${spt} DPT=${dpt} WINDOW=64240 RES=0x00 SYN URGP=0`;
    } else if (kind < 0.95) {
      out[i] = `<4>${bsd(t)} OpenWrt kernel: [${(i / 10).toFixed(6)}] DROP(src wan)IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=${src} DST=198.51.100.2 LEN=84 TOS=0x00 PREC=0x00 TTL=55 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=4242 SEQ=1`;
    } else {
      out[i] = `${bsd(t)} office kernel: [UFW BLOCK] IN=enp3s0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:86:dd SRC=2001:db8:${(k & 0xffff).toString(16)}::${(k >> 4).toString(16)} DST=2001:db8:0:1::10 LEN=80 TC=0 HOPLIMIT=50 FLOWLBL=0 PROTO=TCP SPT=${spt} DPT=${dpt} WINDOW=1024 RES=0x00 SYN URGP=0`;
    }
  }
  return out;
}

/** Every fixture line that some parser should recognise, from test/fixtures/<vendor>/*.log. */
export function fixtureLines(root: string): { vendor: string; line: string }[] {
  const dir = join(root, 'test', 'fixtures');
  const out: { vendor: string; line: string }[] = [];
  if (!existsSync(dir)) return out;
  for (const vendor of readdirSync(dir).sort()) {
    let files: string[];
    try { files = readdirSync(join(dir, vendor)); } catch { continue; }
    for (const f of files.sort()) {
      if (!f.endsWith('.log')) continue;
      const expPath = join(dir, vendor, f.replace(/\.log$/, '.expected.jsonl'));
      if (!existsSync(expPath)) continue;
      const lines = readFileSync(join(dir, vendor, f), 'utf8').split('\n');
      const exp = readFileSync(expPath, 'utf8').split('\n');
      lines.forEach((l, i) => { if (l && exp[i] && exp[i] !== 'null') out.push({ vendor, line: l }); });
    }
  }
  return out;
}

/**
 * `n` lines as sites really send them: the stream is cut into segments (sites); in each, three boxes of
 * three different vendors send, interleaved line by line, 60 %, 30 % and 10 % of the lines (each box
 * picks from its vendor's fixture lines, kept exactly as written: headers and host names included).
 * Segments take the vendors round-robin from a shuffled list, so every vendor gets about the same
 * share of the stream whatever its number of fixture lines.
 */
export function siteVendorLines(root: string, n: number, seed = 11): string[] {
  const byVendor = new Map<string, string[]>();
  for (const { vendor, line } of fixtureLines(root)) {
    let a = byVendor.get(vendor);
    if (!a) byVendor.set(vendor, (a = []));
    a.push(line);
  }
  const r = rng(seed);
  const vendors = [...byVendor.keys()];
  for (let i = vendors.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [vendors[i], vendors[j]] = [vendors[j]!, vendors[i]!]; }
  const SEG = 50_000;
  const WEIGHTS = [0.6, 0.9, 1];
  const out: string[] = new Array(n);
  let v = 0;
  for (let seg = 0; seg * SEG < n; seg++) {
    const boxes = [0, 1, 2].map(() => vendors[v++ % vendors.length]!);
    for (let i = seg * SEG; i < Math.min(n, (seg + 1) * SEG); i++) {
      const x = r();
      const b = x < WEIGHTS[0]! ? 0 : x < WEIGHTS[1]! ? 1 : 2;
      const pool = byVendor.get(boxes[b]!)!;
      out[i] = pool[Math.floor(r() * pool.length)]!;
    }
  }
  return out;
}

/** `n` lines drawn at random from every vendor's fixture lines: the worst case, no two lines alike. */
export function mixedVendorLines(root: string, n: number, seed = 7): string[] {
  const pool = fixtureLines(root).map((x) => x.line);
  const r = rng(seed);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = pool[Math.floor(r() * pool.length)]!;
  return out;
}
