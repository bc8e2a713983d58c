/** The per-source profile store: typed-array records behind a capped address table. */
import { expect } from 'chai';
import type { Obs } from '../../src/detect/obs';
import { HostPairs } from '../../src/detect/detectors/beacon';
import { Profile, ProfileStore } from '../../src/detect/profile';
import { DistinctInts, isoOfMs } from '../../src/detect/util';
import { parseIPv4 } from '../../src/net/ip';
import { makeEvent, Rng, T0 } from '../helpers/traffic';

function obs(src: string, dst: string, dport: number, t: number): Obs {
  return {
    ev: makeEvent({ t, src, dst, dport }), t, observer: 'gw', src, dst, sn: parseIPv4(src), dn: parseIPv4(dst), sport: 40000, dport,
    transport: 'tcp', allowed: false, direction: 'inbound', flags: 1, tcpOptions: true, fullSyn: false, packets: 1, badSrc: undefined, badDst: undefined,
  };
}

describe('detect profile store', () => {
  it('finds what it holds like a Map under its cap, and stays under the cap beyond', () => {
    const st = new ProfileStore(3000);
    const ref = new Map<string, number>();
    const rng = new Rng(9);
    for (let i = 0; i < 2500; i++) {
      const ip = `10.${rng.int(4)}.${rng.int(256)}.${rng.int(256)}`;
      const s = st.get(ip, parseIPv4(ip));
      expect(s, ip).to.equal(ref.get(ip) ?? -1);
      if (s < 0) ref.set(ip, st.add(ip, parseIPv4(ip)));
    }
    expect(st.size).to.equal(ref.size);
    expect(new Set(ref.values()).size).to.equal(ref.size);
    for (let i = 0; i < 40000; i++) {
      const ip = `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      st.add(ip, parseIPv4(ip));
      if (i % 5 === 0) st.add(`2001:db8::${i.toString(16)}`, -1);
    }
    expect(st.size).to.be.at.most(3000 + 750);
    expect(st.evictions).to.be.greaterThan(30000);
    expect(st.get('11.0.156.63', parseIPv4('11.0.156.63'))).to.be.at.least(0);
    expect(st.get('2001:db8::9c3b', -1)).to.be.at.least(0);
  });

  it('gives back each source\'s address text, IPv4 (kept as a number) or not, across evictions', () => {
    const st = new ProfileStore(64);
    const p = new Profile(st);
    const rng = new Rng(4);
    const held = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const ip = i % 5 === 0 ? `2001:db8::${rng.int(5000).toString(16)}` : `${1 + rng.int(254)}.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`;
      const n = parseIPv4(ip);
      let s = st.get(ip, n);
      if (s < 0) s = st.add(ip, n);
      held.set(ip, s);
      p.slot = s;
      expect(p.ip).to.equal(ip);
      expect(st.isUsed(s)).to.equal(true);
    }
    for (const [ip, s] of held) {
      if (st.get(ip, parseIPv4(ip)) !== s) continue;
      p.slot = s;
      expect(p.ip).to.equal(ip);
    }
  });

  it('lists the first destination host by its text, IPv4 (kept as a number) or IPv6, alone or among others', () => {
    for (const first of ['198.51.100.7', '0.0.0.0', '255.255.255.255', '2001:db8::7']) {
      const st = new ProfileStore(4);
      const p = new Profile(st);
      p.slot = st.add('203.0.113.9', parseIPv4('203.0.113.9'));
      p.add(obs('203.0.113.9', first, 22, T0), 0, 0.001);
      p.add(obs('203.0.113.9', first, 23, T0 + 1), 0, 0.001);
      expect(p.hostList().map((h) => [h.ip, h.count])).to.deep.equal([[first, 2]]);
      p.add(obs('203.0.113.9', '198.51.100.8', 22, T0 + 2), 0, 0.001);
      expect(p.hostList().map((h) => [h.ip, h.count])).to.deep.equal([[first, 2], ['198.51.100.8', 1]]);
    }
  });

  it('gives a reused slot a clean profile (nothing of the evicted source carries over)', () => {
    const st = new ProfileStore(16);
    const p = new Profile(st);
    const freed: number[] = [];
    st.onFree = (s) => freed.push(s);
    p.slot = st.add('203.0.113.1', parseIPv4('203.0.113.1'));
    for (let k = 0; k < 30; k++) p.add(obs('203.0.113.1', `198.51.100.${k}`, 1000 + k, T0 + k), 0, 0.001);
    p.scanInc = null;
    expect(p.events).to.equal(30);
    expect(p.portCount).to.equal(30);
    expect(p.hostCount).to.equal(30);
    const old = p.slot;
    // Fill past the cap: the first source (not touched since) goes.
    for (let i = 0; i < 40; i++) st.add(`203.0.114.${i}`, parseIPv4(`203.0.114.${i}`));
    expect(freed).to.include(old);
    expect(st.get('203.0.113.1', parseIPv4('203.0.113.1'))).to.equal(-1);
    for (const s of [old, ...freed]) {
      p.slot = s;
      if (!st.isUsed(s)) continue;
      expect(p.events).to.equal(0);
      expect(p.portCount).to.equal(0);
      expect(p.hostCount).to.equal(0);
      expect(p.scanInc).to.equal(null);
      expect(p.aux).to.equal(0);
    }
  });

  it('counts distinct ports like a DistinctInts, inline first then in the set', () => {
    const st = new ProfileStore(4);
    const p = new Profile(st);
    p.slot = st.add('203.0.113.7', parseIPv4('203.0.113.7'));
    const ref = new DistinctInts();
    const rng = new Rng(3);
    for (let k = 0; k < 200; k++) {
      const port = 1 + rng.int(k < 40 ? 6 : 3000);
      const fresh = p.add(obs('203.0.113.7', '198.51.100.2', port, T0 + k * 1000), 0, 0.001);
      expect(fresh, `port ${port}`).to.equal(ref.add(port));
      expect(p.portCount).to.equal(ref.count);
    }
    expect(p.portValues().slice(0, 24)).to.deep.equal(ref.values().slice(0, 24));
    expect(p.hostList()).to.deep.equal([{ ip: '198.51.100.2', ports: [p.portValues()[0]], count: 200 }]);
  });

  it('beacon pair table finds pairs like a Map and drops the oldest first', () => {
    const hp = new HostPairs();
    const ref = new Map<string, number>();
    const order: string[] = [];
    const rng = new Rng(11);
    const MAX = 300;
    for (let i = 0; i < 20000; i++) {
      const v6 = rng.next() < 0.1;
      const dk: number | string = v6 ? `2001:db8::${rng.int(40).toString(16)}` : (parseIPv4(`192.0.2.${rng.int(200)}`) | 0);
      const port = rng.next() < 0.02 ? 70000.5 : [443, 80, 8443, 22][rng.int(4)]!;
      const key = `${dk}|${port}`;
      const got = hp.get(dk, port);
      expect(got === -1 ? undefined : got, key).to.equal(ref.get(key));
      if (got === -1) {
        if (order.length >= MAX) ref.delete(order.shift()!);
        const c = hp.add(dk, port, MAX);
        ref.set(key, c);
        order.push(key);
      }
      expect(hp.size).to.equal(ref.size);
    }
    for (const [key, c] of ref) {
      const [d, p] = [key.slice(0, key.lastIndexOf('|')), Number(key.slice(key.lastIndexOf('|') + 1))];
      expect(hp.get(d.includes(':') ? d : Number(d), p)).to.equal(c);
    }
  });

  it('isoOfMs writes times exactly as Date.toISOString', () => {
    const rng = new Rng(4);
    const cases = [0, 1, 999, 86399999, 86400000, T0, T0 + 0.7, 253402300799999, 253402300800000, -1, -86400001, 8.64e15, NaN, Infinity];
    for (let i = 0; i < 20000; i++) cases.push(T0 + rng.int(400 * 86400) * 1000 + rng.int(1000) - rng.int(2) * 86400000 * rng.int(3000));
    for (const ms of cases) expect(isoOfMs(ms), String(ms)).to.equal(new Date(Number.isFinite(ms) ? ms : 0).toISOString());
  });
});
