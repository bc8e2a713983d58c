/**
 * Hostile input for every parser in the registry (issue 3).
 *
 * A seeded fuzz run (the same cases every time, so a failure can be replayed) feeds LineParser random
 * bytes, random printable text behind each format's marker, and mutations of every fixture line in
 * test/fixtures/*: truncation, duplicated separators, 10 000-long runs of = " , | [, invalid UTF-8,
 * huge and out-of-range numbers, spliced lines. Nothing may escape `parse` (stats.errors stays 0: a
 * parser that throws is a bug), and whatever comes out is null or a well-formed event.
 *
 * A second test times the worst lines we can think of (64 KiB of repeated separators behind each
 * format's marker): no single line may take more than 1 ms (the max over lines of the median of a few
 * repeats, so a GC pause does not fail it).
 */
import { expect } from 'chai';
import { canonicalIp } from '../../src/net/ip';
import { DEFAULT_MAX_LENGTH, LineParser, PARSERS } from '../../src/parsers/registry';
import { vendorFixtures } from '../helpers/fixtures';
import { rng as prng } from '../../bench/gen';

const SEED = 0x6a7e3a1c;
const AUTO_CASES = 200_000;
const FORCED_CASES_PER_PARSER = 4_000;
const REF = Date.UTC(2026, 10, 23, 12, 0, 0);


/** Markers that make each format's detect() say yes, so random text reaches every parse(). */
const MARKERS = [
  'CEF:0|', '0|Ubiquiti|UniFi Network|1|2|n|3|', 'CEF:0|V|P|1|2|N|5|src=', 'LEEF:1.0|', 'LEEF:2.0|V|P|1|E|^|', '1.0|WatchGuard|XTM|1|2|',
  'id=firewall sn=1 ', 'id=firewall sn=1 m=98 src=', 'device="SFW" log_type="Firewall" ', 'device_name="SFW" timestamp="2026-11-23T10:00:00Z" log_type="Firewall" ',
  'id="2001" sys="SecureNet" srcip="', 'RT_FLOW_SESSION_CREATE [junos@2636.1 ', 'RT_FLOW_SESSION_CLOSE: session closed x: ',
  'RT_FLOW_SESSION_DENY: session denied ', 'RT_SCREEN_TCP [', 'msg_id="3000-0148" Allow ', 'msg_id="3000-0148" Deny a b 40 tcp 20 64 ',
  'firewall,info x input: in:', 'firewall,info x input: in:e out:(unknown 0), proto TCP (', '[FILTER][Block][', '[FILTER][Pass][a->b][@S:R=1:1, ',
  'src="203.0.113.5:1" dst="198.51.100.1:2" devID="x" cat="y" ', 'Info h Allow: ', 'Info h Block: FWD|TCP|', 'x SecurityEvent: (scan) source IP ',
  '{"EventID":5156,"SourceName":"Microsoft-Windows-Security-Auditing",', '2026-11-23 10:00:00 DROP TCP ', '2026-11-23 10:00:00 ALLOW ',
  'IN=eth0 OUT= SRC=', 'kernel: IN=eth0 PROTO=TCP SRC=', '<14>1 2026-11-23T10:00:00Z h RT_FLOW - RT_FLOW_SESSION_DENY [junos@1 ',
  '<134>Nov 23 10:00:00 host ', '<134>Nov 23 10:00:00 h EFW: DROP: prio=1 ', '[2026-11-23 10:00:00] EFW: CONN: conn=', 'Denied CONN=WAN1 SRC=', 'PACKET_ALERT: Dst: 192.0.2.1:80 {}, Src: ', '<132>Nov 23 10:00:00 l PACKET_ALERT: Dst: ', 'NetScreen device_id=x [Root]system-notification-00257(traffic): ', 'NetScreen device_id=x [Root]system-alert-00016: Port scan! From ', '<134>Nov 23 10:00:00 b Allowed CONN=', '',
];
const SEPARATORS = ['=', '"', ',', '|', '[', ']', ' ', ':', '\\', '\t', '/', '-', '>', '(', ')', '{', '}', '#011', '->', '=\\'];
const LONG_RUNS = ['=', '"', ',', '|', '['];
const NUMBERS = ['99999999999999999999999', '65536', '-1', '1e400', '4294967296', '0x10', '00000000000000000000001', 'NaN', '256.256.256.256', '::::::', 'ffff:'.repeat(20)];
const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t';

function pick<T>(r: () => number, a: readonly T[]): T {
  return a[Math.floor(r() * a.length)]!;
}

function randomPrintable(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += PRINTABLE[Math.floor(r() * PRINTABLE.length)];
  return s;
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function mutate(r: () => number, line: string, others: string[]): string {
  const n = line.length;
  const at = Math.floor(r() * (n + 1));
  switch (Math.floor(r() * 10)) {
    case 0: return line.slice(0, at); // truncation
    case 1: { // duplicate a separator where one occurs
      const sep = pick(r, SEPARATORS);
      const p = line.indexOf(sep, at);
      const k = 1 + Math.floor(r() * 40);
      return p < 0 ? line + sep.repeat(k) : line.slice(0, p) + sep.repeat(k) + line.slice(p);
    }
    case 2: // a 10k-long run of one separator (rarer: they are the slow cases)
      if (r() < 0.15) return line.slice(0, at) + pick(r, LONG_RUNS).repeat(10_000) + line.slice(at);
      return line.slice(0, at) + pick(r, LONG_RUNS).repeat(1 + Math.floor(r() * 200)) + line.slice(at);
    case 3: { // huge / out-of-range numbers in place of a digit run
      let p = at;
      while (p < n && !(line.charCodeAt(p) >= 48 && line.charCodeAt(p) <= 57)) p++;
      let e = p;
      while (e < n && line.charCodeAt(e) >= 48 && line.charCodeAt(e) <= 57) e++;
      return line.slice(0, p) + pick(r, NUMBERS) + line.slice(e);
    }
    case 4: { // invalid UTF-8 through a Buffer
      const b = Buffer.from(line, 'utf8');
      const flips = 1 + Math.floor(r() * 6);
      for (let i = 0; i < flips && b.length > 0; i++) b[Math.floor(r() * b.length)] = 0x80 + Math.floor(r() * 128);
      return b.toString('utf8');
    }
    case 5: { // delete a span
      const len = Math.floor(r() * 40);
      return line.slice(0, at) + line.slice(at + len);
    }
    case 6: { // splice with another fixture line
      const o = pick(r, others);
      return line.slice(0, at) + o.slice(Math.floor(r() * o.length));
    }
    case 7: { // random printable characters over a span
      const len = 1 + Math.floor(r() * 8);
      return line.slice(0, at) + randomPrintable(r, len) + line.slice(at + len);
    }
    case 8: // NUL, CR and odd whitespace
      return line.slice(0, at) + pick(r, ['\0', '\r', '\u00a0', '\ufeff', '\u2028', '\r\n', '\n']) + line.slice(at);
    default: // two mutations
      return mutate(r, mutate(r, line, others), others);
  }
}

/** One fuzz case: from a seeded generator, a line. */
function makeCase(r: () => number, lines: string[]): string {
  const kind = r();
  if (kind < 0.1) return randomBytes(r, Math.floor(r() * 400)).toString(r() < 0.5 ? 'utf8' : 'latin1');
  if (kind < 0.25) return pick(r, MARKERS) + randomPrintable(r, Math.floor(r() * 300));
  if (kind < 0.3) return pick(r, MARKERS) + randomBytes(r, Math.floor(r() * 300)).toString('utf8');
  return mutate(r, pick(r, lines), lines);
}

function isPort(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
}

/** Problems with an event's shape; empty when well-formed. */
function problems(ev: unknown): string[] {
  const out: string[] = [];
  if (ev === null) return out;
  if (typeof ev !== 'object') return ['not an object'];
  const e = ev as Record<string, any>;
  try { JSON.stringify(e); } catch (err) { out.push(`not serialisable: ${(err as Error).message}`); }
  const ts = e['@timestamp'];
  if (typeof ts !== 'string' || !Number.isFinite(Date.parse(ts))) out.push(`bad @timestamp ${ts}`);
  if (!e.event || (e.event.action !== 'allow' && e.event.action !== 'deny')) out.push('bad event.action');
  if (typeof e.event?.dataset !== 'string') out.push('bad event.dataset');
  if (typeof e.observer?.vendor !== 'string' || e.observer.vendor.length === 0) out.push('bad observer.vendor');
  for (const side of ['source', 'destination']) {
    const p = e[side];
    if (p === undefined || p === null || typeof p !== 'object') { out.push(`no ${side}`); continue; }
    if (p.ip !== undefined && (typeof p.ip !== 'string' || canonicalIp(p.ip) !== p.ip)) out.push(`bad ${side}.ip ${p.ip}`);
    if (p.port !== undefined && !isPort(p.port)) out.push(`bad ${side}.port ${p.port}`);
    if (p.nat !== undefined) {
      if (p.nat.ip !== undefined && (typeof p.nat.ip !== 'string' || canonicalIp(p.nat.ip) !== p.nat.ip)) out.push(`bad ${side}.nat.ip`);
      if (p.nat.port !== undefined && !isPort(p.nat.port)) out.push(`bad ${side}.nat.port`);
    }
  }
  const n = e.network ?? {};
  if (n.transport !== undefined && typeof n.transport !== 'string') out.push('bad network.transport');
  if (n.iana_number !== undefined && typeof n.iana_number !== 'string') out.push('bad network.iana_number');
  for (const k of ['bytes', 'packets']) {
    if (n[k] !== undefined && !(typeof n[k] === 'number' && Number.isFinite(n[k]) && n[k] >= 0)) out.push(`bad network.${k}`);
  }
  return out;
}

function allFixtureLines(): string[] {
  const lines: string[] = [];
  for (const fx of vendorFixtures()) lines.push(...fx.lines);
  return lines;
}

describe('parsers under hostile input', function () {
  this.timeout(60_000);
  const lines = allFixtureLines();

  it('takes at most 1 ms on the worst lines (64 KiB of repeated separators behind every marker)', () => {
    const size = DEFAULT_MAX_LENGTH - 256;
    const fills = ['=', '"', ',', '|', '[', ']', ' ', ':', '\\', '\t', 'a=', 'a="', '\\"', '\\|', '\\=', 'a=b ', '"a"="b" ', '1.1.1.1 ',
      '->', '[a]', '(', '#011', '|a', 'x=1\t', '{"a":', '0', 'IN= ', '203.0.113.5:1->198.51.100.1:2, '];
    const worst: string[] = [];
    for (const marker of MARKERS) {
      for (const fill of fills) {
        const body = fill.repeat(Math.ceil(size / fill.length)).slice(0, size - marker.length);
        worst.push(marker + body);
      }
    }
    const parser = new LineParser({ format: 'auto', tz: 'UTC', refMs: REF });
    for (let k = 0; k < 3; k++) for (const l of worst) parser.parse(l, REF); // warm up: compile every path first
    let maxMedian = 0;
    let slowest = '';
    const medians: [number, string][] = [];
    for (const l of worst) {
      const times: number[] = [];
      for (let k = 0; k < 7; k++) {
        const t0 = process.hrtime.bigint();
        parser.parse(l, REF);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.sort((a, b) => a - b);
      const median = times[3]!;
      medians.push([median, JSON.stringify(l.slice(0, 70))]);
      if (median > maxMedian) { maxMedian = median; slowest = JSON.stringify(l.slice(0, 60)); }
    }
    expect(parser.stats.errors, parser.stats.lastError).to.equal(0);
    console.log(`      worst line: ${maxMedian.toFixed(3)} ms median (${worst.length} lines of ${size} chars; slowest starts ${slowest})`);
    medians.sort((a, b) => b[0] - a[0]);
    const top = medians.slice(0, 5).map(([t, s]) => `${t.toFixed(3)} ms ${s}`).join('\n');
    expect(maxMedian, `slowest lines:\n${top}`).to.be.below(1);
  });

  it('has fixture lines from every vendor folder to mutate', () => {
    expect(lines.length).to.be.greaterThan(50);
  });

  it(`never throws and emits only well-formed events (${AUTO_CASES} seeded cases, auto-detection)`, () => {
    const r = prng(SEED);
    const parser = new LineParser({ format: 'auto', tz: 'Europe/London', refMs: REF });
    const bad: string[] = [];
    let errorsSeen = 0;
    let firstThrow = '';
    let events = 0;
    for (let i = 0; i < AUTO_CASES; i++) {
      const line = makeCase(r, lines);
      const ev = parser.parse(line, REF);
      if (parser.stats.errors !== errorsSeen) {
        errorsSeen = parser.stats.errors;
        if (firstThrow === '') firstThrow = `${parser.stats.lastError} <- ${JSON.stringify(line.slice(0, 300))}`;
      }
      if (ev !== null) {
        events++;
        const p = problems(ev);
        if (p.length > 0 && bad.length < 5) bad.push(`${p.join('; ')} <- ${JSON.stringify(line.slice(0, 300))}`);
      }
    }
    expect(parser.stats.lines).to.equal(AUTO_CASES);
    expect(parser.stats.errors, firstThrow).to.equal(0);
    expect(bad, bad.join('\n')).to.deep.equal([]);
    // The mutations keep most lines parseable: the run really exercised the parsers.
    expect(events).to.be.greaterThan(AUTO_CASES / 10);
  });

  it(`never throws in any forced format (${FORCED_CASES_PER_PARSER} cases for each of the parsers)`, () => {
    for (const p of PARSERS) {
      const r = prng(SEED ^ p.id.length ^ (p.id.charCodeAt(0) << 8));
      const parser = new LineParser({ format: p.id, tz: 'UTC', refMs: REF });
      const bad: string[] = [];
      for (let i = 0; i < FORCED_CASES_PER_PARSER; i++) {
        const line = makeCase(r, lines);
        const ev = parser.parse(line, REF);
        if (ev !== null && bad.length < 3) {
          const pr = problems(ev);
          if (pr.length > 0) bad.push(`${pr.join('; ')} <- ${JSON.stringify(line.slice(0, 200))}`);
        }
      }
      expect(parser.stats.errors, `${p.id}: ${parser.stats.lastError}`).to.equal(0);
      expect(bad, `${p.id}: ${bad.join('\n')}`).to.deep.equal([]);
    }
  });


});
