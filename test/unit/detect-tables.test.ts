/** The bounded tables under the engine: a hand-written hash table must agree with a Map. */
import { expect } from 'chai';
import { AddressTable, BoundedMap, DistinctInts, internalV4, looksInternal, parseTimeMs } from '../../src/detect/util';
import { parseIPv4 } from '../../src/net/ip';
import { isoOf, msOfIso } from '../../src/syslog/time';
import { OpenIncident } from '../../src/detect/incidents';
import { Rng } from '../helpers/traffic';

describe('detect tables', () => {
  it('AddressTable agrees with a Map while under its cap, and stays under it beyond', () => {
    const t = new AddressTable<{ hot: boolean; v: number }>(5000);
    const ref = new Map<string, number>();
    const rng = new Rng(5);
    for (let i = 0; i < 4000; i++) {
      const ip = `10.${rng.int(4)}.${rng.int(256)}.${rng.int(256)}`;
      const n = parseIPv4(ip);
      const got = t.get(ip, n);
      expect(got?.v, ip).to.equal(ref.get(ip));
      if (!got) { t.set(ip, n, { hot: true, v: i }); ref.set(ip, i); }
    }
    expect(t.size).to.equal(ref.size);
    for (const [ip, v] of ref) expect(t.get(ip, parseIPv4(ip))!.v).to.equal(v);
    // Far beyond the cap: size bounded, recent entries findable, IPv6 in its own capped map.
    for (let i = 0; i < 50000; i++) {
      const ip = `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      t.set(ip, parseIPv4(ip), { hot: true, v: i });
      if (i % 7 === 0) t.set(`2001:db8::${i.toString(16)}`, -1, { hot: true, v: i });
    }
    expect(t.size).to.be.at.most(5000 + 1250);
    expect(t.evictions).to.be.greaterThan(40000);
    expect(t.get('11.0.195.79', parseIPv4('11.0.195.79'))!.v).to.equal(49999);
    let count = 0;
    for (const v of t.values()) { expect(v.v).to.be.a('number'); count++; }
    expect(count).to.equal(t.size);
  });
  it('BoundedMap keeps recently used entries (second chance)', () => {
    const m = new BoundedMap<{ hot: boolean }>(100);
    for (let i = 0; i < 100; i++) m.set(`k${i}`, { hot: false });
    m.get('k0');
    for (let i = 100; i < 150; i++) m.set(`k${i}`, { hot: false });
    expect(m.size).to.be.at.most(100);
    expect(m.peek('k0')).to.not.equal(undefined);
    expect(m.peek('k1')).to.equal(undefined);
  });
  it('DistinctInts is exact for a few values and close for many', () => {
    const d = new DistinctInts();
    for (let i = 0; i < 20; i++) { d.add(i); d.add(i); }
    expect(d.count).to.equal(20);
    for (let i = 0; i < 1000; i++) d.add(i * 13);
    expect(d.count).to.be.within(950, 1080);
  });
  it('parseTimeMs matches Date.parse', () => {
    for (const s of ['2026-11-23T08:00:02.712Z', '2026-11-23T08:00:02Z', '2026-12-31T23:59:59.999Z', '2026-11-23T08:00:02.712345Z', '2026-11-23T09:00:00+01:00', 'garbage']) {
      const a = parseTimeMs(s), b = Date.parse(s);
      expect(Number.isNaN(a) ? 'NaN' : a, s).to.equal(Number.isNaN(b) ? 'NaN' : b);
    }
  });

  it('parseTimeMs knows the time the parser (or the thread decoder) just wrote, and only that one', () => {
    const ms = Date.UTC(2026, 10, 23, 8, 0, 2, 712);
    const iso = isoOf(ms);
    expect(iso).to.equal(new Date(ms).toISOString());
    expect(msOfIso(iso)).to.equal(ms);
    expect(msOfIso('2026-11-23T08:00:02.713Z')).to.be.NaN;
    expect(parseTimeMs('2026-11-23T08:00:02.713Z')).to.equal(ms + 1);
    expect(isoOf(Date.UTC(2026, 10, 23, 9))).to.equal('2026-11-23T09:00:00.000Z');
    expect(msOfIso(iso)).to.be.NaN;
    expect(parseTimeMs('2026-11-23T09:00:00.000Z')).to.equal(Date.UTC(2026, 10, 23, 9));
    expect(isoOf(Date.UTC(2026, 10, 23, 9))).to.equal('2026-11-23T09:00:00.000Z');
    // a time Date writes itself (a fraction of a millisecond) is not remembered as known
    const odd = isoOf(ms + 0.5);
    expect(msOfIso(odd)).to.be.NaN;
    expect(parseTimeMs(odd)).to.equal(ms);
  });

  it('parseTimeMs reads toISOString text exactly across days and years, and bad digits like Date.parse', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 20000; i++) {
      // Runs of nearby times (the day cache) mixed with jumps across years.
      const ms = i % 50 === 0 ? rng.int(2 ** 31) * 1000 + rng.int(1000) : 1795392000000 + i * 4321 + rng.int(1000);
      const s = new Date(ms).toISOString();
      expect(parseTimeMs(s), s).to.equal(ms);
    }
    const bad = ['2026-11-23T08:00:02.7x2Z', '2026-11-23T08:0a:02.712Z', '2026-13-23T08:00:02.712Z', '2026-11-32T08:00:02.712Z',
      '2026-11-23T24:00:00.000Z', '2026-11-23T08:60:02.712Z', '2026-11-23 08:00:02.712Z', '2026-11-23T08:00:02,712Z',
      '2026/11/23T08:00:02.712Z', '2026-02-30T08:00:02.712Z', '2026-11-23T08:00:02.712z'];
    for (const s of bad) {
      const a = parseTimeMs(s), b = Date.parse(s);
      expect(Number.isNaN(a) ? 'NaN' : a, s).to.equal(Number.isNaN(b) ? 'NaN' : b);
    }
    // A leap second is read as the next second (Date.parse refuses it).
    expect(parseTimeMs('2026-12-31T23:59:60.000Z')).to.equal(Date.parse('2027-01-01T00:00:00.000Z'));
  });
  it('OpenIncident.topPorts: count down then port up, like a plain sort, for any size and odd counts', () => {
    const rng = new Rng(21);
    const ref = (m: Map<number, number>) => [...m.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).map((e) => e[0]);
    for (let round = 0; round < 300; round++) {
      const inc = new OpenIncident('k', 'portscan', { id: 'T', name: 'n', tactic: 't' }, () => ({ score: 0, confidence: 'low', summary: '', advice: '' }), { ip: '192.0.2.1' }, 0, 0);
      const n = round % 3 === 0 ? rng.int(100) : rng.int(65);
      for (let i = 0; i < n; i++) inc.ports.set(rng.int(3) === 0 ? rng.int(8) : rng.int(65536), round % 5 === 0 ? rng.int(2 ** 35) : 1 + rng.int(4));
      if (round % 50 === 7) inc.ports.set(80, 1.5);
      if (round % 50 === 9) inc.ports.set(70000, 2);
      expect(inc.topPorts(), `round ${round}`).to.deep.equal(ref(inc.ports));
    }
  });
});

describe('detect incidents: topPorts over time', () => {
  it('stays a plain sort while counts move, ports come, odd entries come and go, and the map is cleared', () => {
    const rng = new Rng(31);
    const ref = (m: Map<number, number>) => [...m.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).map((e) => e[0]);
    const inc = new OpenIncident('k', 'portscan', { id: 'T', name: 'n', tactic: 't' }, () => ({ score: 0, confidence: 'low', summary: '', advice: '' }), { ip: '192.0.2.1' }, 0, 0);
    for (let step = 0; step < 3000; step++) {
      const r = rng.int(100);
      if (r < 60 && inc.ports.size > 0) { const ks = [...inc.ports.keys()]; const k = ks[rng.int(ks.length)]!; inc.ports.set(k, inc.ports.get(k)! + 1 + rng.int(3)); }
      else if (r < 90 && inc.ports.size < 64) inc.ports.set(rng.int(65536), 1 + rng.int(4));
      else if (r < 93) inc.ports.set(80, 1.5);
      else if (r < 96) inc.ports.delete(80);
      else if (r < 97) inc.ports.clear();
      else if (inc.ports.size > 0) inc.ports.delete([...inc.ports.keys()][0]!);
      expect(inc.topPorts(), `step ${step}`).to.deep.equal(ref(inc.ports));
    }
  });
});

describe('detect helpers: numeric shortcuts agree with the text tests', () => {
  it('internalV4(parseIPv4(ip)) equals looksInternal(ip) for every dotted quad', () => {
    const rng = new Rng(5);
    const firsts = [10, 100, 127, 169, 172, 192, 11, 99, 101, 126, 128, 168, 170, 171, 173, 191, 193, 0, 255];
    for (let i = 0; i < 50000; i++) {
      const a = i % 4 === 0 ? rng.int(256) : firsts[rng.int(firsts.length)]!;
      const b = i % 3 === 0 ? rng.int(256) : [64, 127, 128, 168, 254, 16, 31, 32, 15, 63][rng.int(10)]!;
      const ip = `${a}.${b}.${rng.int(256)}.${rng.int(256)}`;
      expect(internalV4(parseIPv4(ip)), ip).to.equal(looksInternal(ip));
    }
  });
  it('a sent incident lists each victim\'s ports in ascending order, short or long lists', () => {
    const rng = new Rng(8);
    for (let round = 0; round < 200; round++) {
      const inc = new OpenIncident('k', 'portscan', { id: 'T', name: 'n', tactic: 't' }, () => ({ score: 0, confidence: 'low', summary: '', advice: '' }), { ip: '192.0.2.1' }, 0, 0);
      const n = rng.int(40);
      for (let i = 0; i < n; i++) inc.addVictim('198.51.100.' + (1 + (round % 3)), round % 7 === 0 ? rng.int(20) : rng.int(65536), 1);
      if (round % 20 === 3) inc.victims[0]?.ports.push(Infinity, -5, 0.5);
      for (const v of inc.snapshot().victims) {
        const src = inc.victims.find((x) => x.ip === v.ip)!;
        expect(v.ports, `round ${round}`).to.deep.equal([...src.ports].sort((x, y) => x - y));
        expect(v.ports).to.not.equal(src.ports);
      }
    }
  });
});
