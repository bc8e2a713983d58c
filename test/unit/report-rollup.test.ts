import { expect } from 'chai';
import { hllAdd, hllCount, HLL_M, hourOf, RollupAccumulator } from '../../src/report/rollup';
import { genEvents } from '../helpers/reportdata';
import type { GwEvent } from '../../src/event';

const H = 3600000;
function ev(ts: string, o: { action?: 'allow' | 'deny'; dir?: 'inbound' | 'outbound'; src?: string; dst?: string; port?: number; cc?: string; asn?: number; bad?: boolean } = {}): GwEvent {
  const out = o.dir === 'outbound';
  const remote = { ip: out ? (o.dst ?? '203.0.113.9') : (o.src ?? '198.51.100.1'), geo: o.cc ? { country_iso_code: o.cc } : undefined, as: o.asn ? { number: o.asn, organization: { name: `AS ${o.asn}` } } : undefined };
  const e: GwEvent = {
    '@timestamp': ts,
    event: { kind: 'event', category: ['network'], type: ['connection'], action: o.action ?? 'deny', dataset: 't' },
    observer: { vendor: 't', product: 't', type: 'firewall' },
    source: out ? { ip: '192.168.1.5' } : remote,
    destination: out ? { ...remote, port: o.port ?? 443 } : { ip: '192.168.1.5', port: o.port ?? 23 },
    network: { transport: 'tcp', direction: o.dir ?? 'inbound' },
  };
  if (o.bad) e.threat = { enrichments: [{ indicator: { ip: remote.ip, provider: 'x' }, matched: { field: out ? 'destination.ip' : 'source.ip', atomic: remote.ip, type: 'indicator_match_rule' } }] };
  return e;
}

describe('report rollups', () => {
  it('reads the hour of ISO timestamps, with and without Z', () => {
    expect(hourOf('2026-11-23T10:59:59.999Z')).to.equal(Date.UTC(2026, 10, 23, 10));
    expect(hourOf('2026-11-23T10:30:00+01:00')).to.equal(Date.UTC(2026, 10, 23, 9));
    expect(Number.isNaN(hourOf('yesterday'))).to.equal(true);
  });

  it('puts offset and UTC timestamps in the right hours, in any order', () => {
    const acc = new RollupAccumulator();
    acc.add(ev('2026-11-23T10:10:00.000Z'));
    acc.add(ev('2026-11-23T10:30:00+01:00'));
    acc.add(ev('2026-11-23T10:50:00.000Z'));
    acc.add(ev('2026-11-23T10:59:00+01:00'));
    const byHour = new Map(acc.snapshot().traffic.map((r) => [r.hour, r.count]));
    expect(byHour.get(Date.UTC(2026, 10, 23, 10))).to.equal(2);
    expect(byHour.get(Date.UTC(2026, 10, 23, 9))).to.equal(2);
  });

  it('files ICMP under "no port" whatever number the gateway printed in the port position', () => {
    const acc = new RollupAccumulator();
    for (const id of [20882, 7, 0]) {
      const e = ev('2026-11-23T10:01:00.000Z', { cc: 'CN', port: id });
      e.network.transport = 'icmp';
      acc.add(e);
    }
    const rows = acc.snapshot().traffic.filter((r) => r.transport === 'icmp');
    expect(rows.map((r) => [r.port, r.count])).to.deep.equal([[0, 3]]);
  });

  it('counts events by hour × action × direction × country × port × transport', () => {
    const acc = new RollupAccumulator();
    acc.add(ev('2026-11-23T10:01:00.000Z', { cc: 'CN', port: 23 }));
    acc.add(ev('2026-11-23T10:02:00.000Z', { cc: 'CN', port: 23 }));
    acc.add(ev('2026-11-23T10:03:00.000Z', { cc: 'US', port: 443, action: 'allow', src: '198.51.100.2' }));
    acc.add(ev('2026-11-23T11:00:00.000Z', { cc: 'CN', port: 23 }));
    acc.add(ev('2026-11-23T11:00:00.000Z', { dir: 'outbound', dst: '203.0.113.66', bad: true, cc: 'RU' }));
    acc.add({ ...ev('nonsense') });
    const s = acc.snapshot();
    const find = (h: number, cc: string, port: number) => s.traffic.find((r) => r.hour === Date.UTC(2026, 10, 23, h) && r.country === cc && r.port === port);
    expect(find(10, 'CN', 23)!.count).to.equal(2);
    expect(find(10, 'US', 443)!.action).to.equal('allow');
    expect(find(11, 'CN', 23)!.count).to.equal(1);
    expect(find(11, 'RU', 443)).to.include({ direction: 'outbound', bad: 1, count: 1 });
    expect(acc.events).to.equal(6);
    expect(acc.badTime).to.equal(1);
    // Outbound to a known-bad address is kept per address; ordinary outbound is not.
    expect(s.sources.filter((x) => x.dir === 'out').map((x) => x.ip)).to.deep.equal(['203.0.113.66']);
    expect(s.sources.find((x) => x.ip === '198.51.100.1' && x.hour === Date.UTC(2026, 10, 23, 10))).to.include({ deny: 2, allow: 0 });
  });

  it('folds ports past the per-hour cap into "other ports" without losing counts', () => {
    const acc = new RollupAccumulator({ maxTrafficKeysPerHour: 100 });
    for (let p = 1; p <= 5000; p++) acc.add(ev('2026-11-23T10:00:00.000Z', { port: p, cc: 'NL' }));
    const s = acc.snapshot();
    expect(s.traffic.length).to.be.at.most(101);
    expect(s.traffic.reduce((a, r) => a + r.count, 0)).to.equal(5000);
    expect(s.traffic.find((r) => r.port === -1)!.count).to.equal(4900);
  });

  it('keeps the per-address table bounded and the busiest addresses in it', () => {
    const acc = new RollupAccumulator({ maxSourcesPerHour: 50 });
    for (let i = 0; i < 100; i++) for (let k = 0; k < 20; k++) acc.add(ev('2026-11-23T10:00:00.000Z', { src: `198.51.100.${i}` }));
    // (one address in each of 100,000 /64s: an IPv6 sender counts as its /64)
    for (let i = 0; i < 100000; i++) acc.add(ev('2026-11-23T10:00:00.000Z', { src: `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1` }));
    const s = acc.snapshot();
    expect(s.sources.length).to.equal(50);
    expect(s.sources.every((x) => x.ip.startsWith('198.51.100.'))).to.equal(true);
    expect(s.sources.every((x) => x.deny === 20)).to.equal(true);
  });

  it('counts an inbound IPv6 sender as its /64, and keeps IPv4 senders and known-bad destinations exact', () => {
    const acc = new RollupAccumulator();
    const t = '2026-11-23T10:00:00.000Z';
    for (let i = 1; i <= 30; i++) acc.add(ev(t, { src: `2001:db8:dead:beef:${i.toString(16)}::${i}` }));
    acc.add(ev(t, { src: '2001:db8:dead:bef0::1', action: 'allow' }));
    acc.add(ev(t, { src: '::ffff:198.51.100.7' }));
    acc.add(ev(t, { src: '198.51.100.7' }));
    acc.add(ev(t, { dir: 'outbound', dst: '2001:db8:c2::66', bad: true }));
    const snap = acc.snapshot();
    const rows = Object.fromEntries(snap.sources.map((r) => [`${r.dir} ${r.ip}`, [r.deny, r.allow]]));
    expect(rows).to.deep.equal({
      'in 198.51.100.7': [1, 0], 'in 2001:db8:dead:beef::/64': [30, 0], 'in 2001:db8:dead:bef0::/64': [0, 1],
      'in ::ffff:198.51.100.7': [1, 0], 'out 2001:db8:c2::66': [1, 0],
    });
    // Different senders: the two /64s, the mapped address and the IPv4 one.
    expect(hllCount(snap.distinct[0]!.regs)).to.equal(4);
  });

  it('estimates distinct addresses within a few percent', () => {
    const regs = new Uint8Array(HLL_M);
    for (let i = 0; i < 50000; i++) hllAdd(regs, `2001:db8::${i.toString(16)}`);
    expect(Math.abs(hllCount(regs) - 50000) / 50000).to.be.lessThan(0.08);
    const small = new Uint8Array(HLL_M);
    for (let i = 0; i < 100; i++) hllAdd(small, `198.51.100.${i}`);
    expect(Math.abs(hllCount(small) - 100)).to.be.lessThan(5);
  });

  it('drain() returns increments that add up to the same totals as snapshot()', () => {
    const from = Date.UTC(2026, 10, 1);
    const a = new RollupAccumulator(), b = new RollupAccumulator();
    const totals = new Map<string, number>();
    let i = 0;
    for (const e of genEvents(30000, { from, to: from + 10 * H, seed: 2 })) {
      a.add(e);
      b.add(e);
      if (++i % 1000 === 0) for (const r of b.drain().traffic) totals.set(`${r.hour}|${r.action}|${r.direction}|${r.country}|${r.port}|${r.transport}|${r.bad}`, (totals.get(`${r.hour}|${r.action}|${r.direction}|${r.country}|${r.port}|${r.transport}|${r.bad}`) ?? 0) + r.count);
    }
    for (const r of b.drain().traffic) totals.set(`${r.hour}|${r.action}|${r.direction}|${r.country}|${r.port}|${r.transport}|${r.bad}`, (totals.get(`${r.hour}|${r.action}|${r.direction}|${r.country}|${r.port}|${r.transport}|${r.bad}`) ?? 0) + r.count);
    const snap = a.snapshot().traffic;
    expect(totals.size).to.equal(snap.length);
    for (const r of snap) expect(totals.get(`${r.hour}|${r.action}|${r.direction}|${r.country}|${r.port}|${r.transport}|${r.bad}`)).to.equal(r.count);
    // Old hours are let go of after draining: memory stays flat.
    expect(b.hours().length).to.be.at.most(4);
  });
});
