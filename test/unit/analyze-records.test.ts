/**
 * Parser records (VendorParser.record, the analyze worker's fast path): a line the worker reads with
 * LineParser.parseOrRead crosses as the parser's record and is built on the other side; the event built
 * there must be the very event parse() returns (deep-equal and the same key order), and the parse counts
 * the same. Checked line by line on every fixture (all vendors: the others cross as encoded events),
 * on mutations of the netfilter lines, on the benchmark traffic and on netfilter layouts written here.
 */
import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { EventDecoder, EventEncoder, transferList, type EventBatch } from '../../src/codec/event-codec';
import type { GwEvent } from '../../src/event';
import { LineParser, RECORD_PARSERS, type LineParserOptions } from '../../src/parsers/registry';
import { netfilter } from '../../src/parsers/netfilter';
import { pfsense } from '../../src/parsers/pfsense';
import type { VendorParser } from '../../src/parsers/types';
import { traffic } from '../../bench/detect';
import { rng } from '../../bench/gen';
import { vendorFixtures } from '../helpers/fixtures';
import { netfilterLine } from '../helpers/traffic';

const REF = Date.UTC(2026, 10, 23, 12, 0, 0);

/**
 * The lines through parse() on one parser and through parseOrRead() + the codec (a real MessagePort) on
 * another, as the worker and the main thread do; returns how many crossed as records.
 */
function compare(lines: string[], opts: LineParserOptions = { tz: 'UTC', refMs: REF }, batch = 64, receivedMs = REF): number {
  const direct = new LineParser(opts), lazy = new LineParser(opts);
  const enc = new EventEncoder(batch), dec = new EventDecoder(RECORD_PARSERS.map((p) => p.record!));
  const { port1, port2 } = new MessageChannel();
  const want: GwEvent[] = [];
  const wantLine: string[] = [];
  /** Crossed as a record: then the key order is the parser's too (encoded events come in schema order). */
  const asRecord: boolean[] = [];
  let records = 0, k = 0;
  const send = (): void => {
    const b = enc.take();
    port1.postMessage(b, transferList(b));
    dec.decode(receiveMessageOnPort(port2)!.message as EventBatch, (ev) => {
      const w = want[k], line = wantLine[k], rec = asRecord[k++];
      // Deep-equal, and for a record the same keys in the same order (JSON text); a difference shows both events.
      if (!isDeepStrictEqual(ev, w) || (rec && JSON.stringify(ev) !== JSON.stringify(w))) {
        expect({ line, ev: JSON.stringify(ev) }).to.deep.equal({ line, ev: JSON.stringify(w) });
        expect.fail(`event of ${JSON.stringify(line)} differs`);
      }
    });
  };
  for (const l of lines) {
    const ev = direct.parse(l, receivedMs);
    const r = lazy.parseOrRead(l, receivedMs);
    expect(r === null, JSON.stringify(l)).to.equal(ev === null);
    if (ev === null || r === null) continue;
    want.push(ev);
    wantLine.push(l);
    const kind = RECORD_PARSERS.indexOf(r as VendorParser);
    asRecord.push(kind >= 0);
    if (kind >= 0) {
      enc.addRecord(kind, (r as VendorParser).record!);
      records++;
    } else enc.add(r);
    if (enc.size >= batch) send();
  }
  if (enc.size > 0) send();
  port1.close();
  expect(k).to.equal(want.length);
  expect(lazy.stats).to.deep.equal(direct.stats);
  return records;
}

/** Seeded mutations of a netfilter line: cut short, a token dropped or doubled, values changed. */
function mutations(line: string, r: () => number, n: number): string[] {
  const out: string[] = [];
  const values = ['', '0', '-1', '65535', '65536', '999999999', '1234567890', '01', 'x', '2001:db8::1', '2001:0db8:0:0::1', '::ffff:192.0.2.1',
    '192.0.2.300', '010.0.0.1', 'TCP', 'UDP', 'ICMP', 'ICMPv6', 'tcp', 'SCTP', '47', 'ipv6-icmp', '255', '256'];
  for (let i = 0; i < n; i++) {
    const toks = line.split(' ');
    const kind = Math.floor(r() * 6);
    const at = Math.floor(r() * toks.length);
    if (kind === 0) out.push(line.slice(0, Math.floor(r() * line.length)));
    else if (kind === 1) { toks.splice(at, 1); out.push(toks.join(' ')); }
    else if (kind === 2) { toks.splice(at, 0, toks[at]!); out.push(toks.join(' ')); }
    else if (kind === 3) {
      const eq = toks[at]!.indexOf('=');
      toks[at] = eq >= 0 ? toks[at]!.slice(0, eq + 1) + values[Math.floor(r() * values.length)] : values[Math.floor(r() * values.length)]!;
      out.push(toks.join(' '));
    } else if (kind === 4) out.push(line.slice(Math.floor(r() * 60)));
    else { toks.splice(at, 0, ['SYN', 'ACK', 'FIN', 'OPT', 'DF', '[', 'URGP=0', 'RES=0x00'][Math.floor(r() * 8)]!); out.push(toks.join(' ')); }
  }
  return out;
}

/** Seeded mutations of a comma-separated (filterlog) line: cut short, a field dropped, doubled or changed. */
function csvMutations(line: string, r: () => number, n: number): string[] {
  const out: string[] = [];
  const values = ['', '0', '-1', '4', '6', '65535', '65536', '65575', '65576', '999999999', '01', 'x', 'in', 'out', 'pass', 'block', 'reject', 'rdr',
    '2001:db8::1', '2001:0db8:0:0::1', '::ffff:192.0.2.1', '192.0.2.300', '010.0.0.1', '203.0.113.7', 'tcp', 'udp', 'icmp', 'ipv6-icmp', 'carp',
    'sctp', 'TCP', '6', '17', '47', '255', '256', 'S', 'SA', 'AS', 'SS', 'FPU', 'request', 'unreach', 'opnsense', '02f4bab031b57d1e30553ce08e0ec131'];
  const cut = line.indexOf('filterlog');
  const at0 = cut < 0 ? 0 : line.indexOf(' ', line.indexOf(' ', cut) + 1) + 1;
  for (let i = 0; i < n; i++) {
    const toks = line.split(',');
    const kind = Math.floor(r() * 6);
    const at = Math.floor(r() * toks.length);
    if (kind === 0) out.push(line.slice(0, Math.floor(r() * line.length)));
    else if (kind === 1) { toks.splice(at, 1); out.push(toks.join(',')); }
    else if (kind === 2) { toks.splice(at, 0, toks[at]!); out.push(toks.join(',')); }
    else if (kind === 3) { toks[at] = values[Math.floor(r() * values.length)]!; out.push(toks.join(',')); }
    else if (kind === 4) out.push(line.slice(at0 > 0 && r() < 0.5 ? at0 : Math.floor(r() * 60)));
    else { toks.splice(at, 0, values[Math.floor(r() * values.length)]!); out.push(toks.join(',')); }
  }
  return out;
}

describe('parser records (the analyze worker\'s fast path)', function () {
  this.timeout(300000);

  it('pfsense and netfilter have a record and they are the only ones listed (registry order)', () => {
    expect(RECORD_PARSERS).to.deep.equal([pfsense, netfilter]);
  });

  it('builds every fixture event as parse() does (all vendors, auto and each forced format)', () => {
    const all = vendorFixtures();
    const lines = all.flatMap((f) => f.lines);
    expect(compare(lines)).to.be.greaterThan(10);
    // The netfilter files alone, and forced to netfilter.
    const nf = all.filter((f) => f.vendor === 'netfilter').flatMap((f) => f.lines);
    expect(nf.length).to.be.greaterThan(15);
    expect(compare(nf)).to.be.greaterThan(12);
    expect(compare(nf, { tz: 'UTC', refMs: REF, format: 'netfilter' })).to.be.greaterThan(12);
    // With keepOriginal every line gives its event (the record does not carry the line).
    expect(compare(nf, { tz: 'UTC', refMs: REF, keepOriginal: true })).to.equal(0);
  });

  it('builds the events of 40 000 mutations of the netfilter fixture lines as parse() does', () => {
    const r = rng(0x5eed);
    const nf = vendorFixtures().filter((f) => f.vendor === 'netfilter').flatMap((f) => f.lines);
    const lines: string[] = [];
    while (lines.length < 40000) for (const l of nf) lines.push(...mutations(l, r, 20));
    expect(compare(lines, { tz: 'UTC', refMs: REF }, 4096)).to.be.greaterThan(10000);
  });

  it('builds the benchmark traffic (200 000 lines, all transports) and written layouts as parse() does', () => {
    const lines: string[] = [];
    for (const p of traffic(200000, 7)) lines.push(netfilterLine(p));
    expect(compare(lines, { tz: 'UTC' }, 4096)).to.equal(200000);
    const t = '2026-11-23T10:00:01.000+00:00 gw kernel: [ 12.345678] ';
    const rest = 'SRC=203.0.113.5 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=1 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0';
    const v6 = 'SRC=2001:0db8:0000::0005 DST=2001:db8::a LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=ICMPv6 TYPE=128 CODE=0 ID=1 SEQ=1';
    const written = [
      `${t}IN=eth0 OUT= MAC=00:00:5e:00:53:01:00:00:5e:00:53:02:08:00 ${rest}`,
      `${t}[UFW BLOCK] IN=eth0 OUT= ${rest}`,
      `${t}[WAN_IN-3000-D]IN=eth0 OUT=br0 ${rest}`,
      `${t}reject wan in: IN=eth0 OUT= ${rest}`,
      `${t}some rule IN=eth0 OUT= ${rest}`,
      `${t}IN=eth0 OUT= ${v6}`,
      `${t}DROP IN=eth0 OUT= ${v6.replace('ICMPv6 TYPE=128 CODE=0', 'UDP SPT=53 DPT=5353 LEN=40')}`,
      `${t}DROP IN=eth0 OUT= ${rest.replace('PROTO=TCP SPT=40000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0', 'PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.10 DST=203.0.113.5 LEN=40 PROTO=UDP SPT=1 DPT=2 ]')}`,
      `${t}DROP IN=eth0 OUT= ${rest.replace('PROTO=TCP', 'PROTO=47')}`,
      `${t}DROP IN=eth0 OUT= ${rest.replace('SYN URGP=0', 'ACK PSH FIN URGP=0 OPT (0101)')}`,
      `${t}DROP IN=eth0 OUT= ${rest.replace(' TTL=50', '')}`,
      `${t}DROP IN= OUT=eth0 ${rest}`,
      `${t}DROP OUT=eth0 ${rest}`,
      `Nov 23 10:00:01 gw kernel: DROP IN=eth0 OUT= ${rest}`,
      `Nov 23 10:00:01 gw kernel: ${rest.slice(20)}`,
      `Nov 23 10:00:01 kernel: DROP IN=eth0 OUT= ${rest}`,
      `<4>Nov 23 10:00:01 gw kernel: DROP IN=eth0 OUT= ${rest.replace('203.0.113.5', '::ffff:203.0.113.5')}`,
      `${t}DROP IN=eth0 OUT= ${rest.replace('203.0.113.5', 'not-an-ip')}`,
    ];
    expect(compare(written)).to.equal(written.length - 1);
    // A line without a time, received at a time Date cannot write: an error in both (counted the same).
    const timeless = [`DROP IN=eth0 OUT= ${rest}`, `gw kernel: DROP IN=eth0 OUT= ${rest}`];
    expect(compare(timeless)).to.equal(2);
    for (const bad of [NaN, 8.64e15 + 1, -Infinity]) {
      expect(compare(timeless, { tz: 'UTC', refMs: REF }, 64, bad)).to.equal(0);
      const p = new LineParser({ tz: 'UTC', refMs: REF });
      for (const l of timeless) expect(p.parseOrRead(l, bad)).to.equal(null);
      expect(p.stats.errors).to.equal(2);
    }
    for (const edge of [8.64e15, -8.64e15, 0.5, -1]) expect(compare(written, { tz: 'UTC', refMs: REF }, 64, edge)).to.equal(written.length - 1);
  });

  it('builds every pfsense fixture event as parse() does (auto, forced, keepOriginal)', () => {
    const pf = vendorFixtures().filter((f) => f.vendor === 'pfsense').flatMap((f) => f.lines);
    expect(pf.length).to.be.greaterThan(8);
    const n = compare(pf);
    expect(n).to.be.greaterThan(8);
    expect(compare(pf, { tz: 'UTC', refMs: REF, format: 'pfsense' })).to.equal(n);
    expect(compare(pf, { tz: 'UTC', refMs: REF, keepOriginal: true })).to.equal(0);
  });

  it('builds the events of 40 000 mutations of the pfsense fixture lines as parse() does', () => {
    const r = rng(0xf11e);
    const pf = vendorFixtures().filter((f) => f.vendor === 'pfsense').flatMap((f) => f.lines);
    const lines: string[] = [];
    while (lines.length < 40000) for (const l of pf) lines.push(...csvMutations(l, r, 20));
    expect(compare(lines, { tz: 'UTC', refMs: REF }, 4096)).to.be.greaterThan(10000);
    expect(compare(lines.slice(0, 8000), { tz: 'UTC', refMs: REF, format: 'pfsense' }, 512)).to.be.greaterThan(2000);
  });

  it('builds written filterlog layouts (v4/v6, tcp/udp/icmp/others, 3164/5424/bare) as parse() does', () => {
    const r = rng(0xcafe);
    const heads = ['<134>Nov 23 10:00:01 filterlog[1]: ', 'Nov 23 10:00:01 fw filterlog: ', '<134>1 2026-11-23T10:00:01.5+00:00 opnsense.example.org filterlog 1 - - ',
      '<134>1 2026-11-23T10:00:01Z - filterlog - - - ', '', 'Nov 23 10:00:01 fw.opnsense.lan filterlog[7]: '];
    const trackers = ['1000000103', '', '02f4bab031b57d1e30553ce08e0ec131', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'x'];
    const actions = ['block', 'pass', 'reject', 'rdr', 'nat', 'binat', 'match'];
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)]!;
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const v6 = r() < 0.3;
      const head = `${pick(['5', '', '12', '0'])},${pick(['', '3'])},${pick(['', 'userrules/', 'natrules/pass'])},${pick(trackers)},${pick(['igb0', '', 'em1'])},${pick(['match', '', 'fragment', 'short'])},${pick(actions)},${pick(['in', 'out', ''])},`;
      const src = v6 ? `2001:db8:${Math.floor(r() * 65536).toString(16)}::${Math.floor(r() * 9999)}` : `203.0.113.${Math.floor(r() * 256)}`;
      const dst = v6 ? pick(['2001:db8::a', '2001:0db8:0000::000a', 'fe80::1']) : pick(['198.51.100.2', '192.168.1.10', '224.0.0.18']);
      const proto = pick([['6', 'tcp'], ['17', 'udp'], ['1', 'icmp'], ['58', 'ipv6-icmp'], ['47', 'gre'], ['112', 'carp'], ['132', 'sctp'], ['50', 'esp'], ['99', 'whatever']]);
      const ttl = pick(['64', '255', '256', '', '0']);
      const len = pick(['40', '60', '1500', '65575', '65576', '']);
      const ip = v6 ? `6,0x00,0x00000,${ttl},${proto[1]},${proto[0]},${len},${src},${dst},` : `4,0x0,,${ttl},${Math.floor(r() * 65536)},0,${pick(['none', 'DF'])},${proto[0]},${proto[1]},${len},${src},${dst},`;
      const sp = pick(['44321', '0', '65535', '65536', '']), dp = pick(['22', '3389', '53', 'x']);
      let tail: string;
      if (proto[1] === 'tcp') tail = `${sp},${dp},0,${pick(['S', 'SA', 'AS', 'SS', 'RA', 'FPU', 'SEWAFRPU', '', 'Sx', 'SAFRPUEWS'])},1,,1024,,${pick(['', 'mss;sackOK', ''])}`.slice(0, pick([200, 200, 30, 20]));
      else if (proto[1] === 'udp' || proto[1] === 'sctp') tail = `${sp},${dp},${pick(['56', ''])}`;
      else if (proto[1] === 'icmp') tail = `${pick(['request', 'reply', 'unreach', 'unreachport', 'timexceed', 'tstamp', 'bogus', ''])},4242,1`;
      else tail = pick(['datalength=44', 'advertise,255,1,2,0,1', '']);
      // Sometimes an extra field before the addresses (the variant the scan for adjacent addresses handles).
      let body = head + ip + tail;
      if (r() < 0.1) body = body.replace(`,${src},`, `,extra,${src},`);
      lines.push(pick(heads) + body);
    }
    expect(compare(lines, { tz: 'UTC', refMs: REF }, 4096)).to.be.greaterThan(8000);
    // A timeless bare line received at a time Date cannot write: an error in both (counted the same).
    const bare = ['5,,,1000000103,igb0,match,block,in,4,0x0,,242,54321,0,none,6,tcp,40,203.0.113.50,198.51.100.2,44321,3389,0,S,1,,1024,,'];
    for (const bad of [NaN, 8.64e15 + 1, -Infinity]) {
      expect(compare(bare, { tz: 'UTC', refMs: REF }, 64, bad)).to.equal(0);
      const p = new LineParser({ tz: 'UTC', refMs: REF });
      expect(p.parseOrRead(bare[0]!, bad)).to.equal(null);
      expect(p.stats.errors).to.equal(1);
    }
    for (const edge of [8.64e15, -8.64e15, 0.5, -1, 253402300800000]) expect(compare(bare, { tz: 'UTC', refMs: REF }, 64, edge)).to.equal(1);
  });
});
