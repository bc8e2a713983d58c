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

describe('parser records (the analyze worker\'s fast path)', function () {
  this.timeout(300000);

  it('netfilter has a record and it is the only one listed', () => {
    expect(RECORD_PARSERS).to.deep.equal([netfilter]);
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
});
