import { expect } from 'chai';
import { IpSet, IpSetBuilder } from '../../src/enrich/ipset';
import { Cidr, formatIPv4, formatIPv6, parseCidr, ipToBigInt } from '../../src/net/ip';

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

/** Naive reference: a list of (cidr, label) checked one by one with bigint, IPv6 widened to /64 like the set. */
function naiveMask(blocks: { cidr: string; label: number; c?: Cidr }[], ip: string): number {
  const v = ipToBigInt(ip)!;
  let m = 0;
  for (const b of blocks) {
    const c = (b.c ??= parseCidr(b.cidr)!);
    if (c.version !== v.version) continue;
    if (c.version === 4) { if (v.value >= c.lo && v.value <= c.hi) m |= 1 << b.label; }
    else {
      const hi = v.value >> 64n;
      if (hi >= c.lo >> 64n && hi <= c.hi >> 64n) m |= 1 << b.label;
    }
  }
  return m >>> 0;
}

describe('enrich: ipset', () => {
  it('matches single addresses, blocks and labels', () => {
    const b = new IpSetBuilder();
    b.add('203.0.113.0/24', 0);
    b.add('203.0.113.7', 1);
    b.add('2001:db8:1::/48', 2);
    b.add('10.0.0.0/8', 3);
    expect(b.add('garbage', 0)).to.equal(false);
    const s = b.build();
    expect(s.match('203.0.113.1')).to.equal(1);
    expect(s.match('203.0.113.7')).to.equal(3);
    expect(s.match('203.0.112.255')).to.equal(0);
    expect(s.match('203.0.114.0')).to.equal(0);
    expect(s.match('2001:db8:1:ffff::1')).to.equal(4);
    expect(s.match('2001:db8:2::1')).to.equal(0);
    expect(s.match('::ffff:203.0.113.7')).to.equal(3);
    expect(s.match('10.255.255.255')).to.equal(8);
    expect(s.match('not-ip')).to.equal(0);
    expect(s.stats.bad).to.equal(1);
  });

  it('cuts excluded blocks out at build time', () => {
    const b = new IpSetBuilder();
    b.add('0.0.0.0/0', 0);
    b.add('10.1.0.0/16', 1);
    b.add('fc00::/6', 2);
    b.exclude('10.0.0.0/8');
    b.exclude('fc00::/7');
    const s = b.build();
    expect(s.match('10.1.2.3')).to.equal(0);
    expect(s.match('9.255.255.255')).to.equal(1);
    expect(s.match('11.0.0.0')).to.equal(1);
    expect(s.match('fd00::1')).to.equal(0);
    expect(s.match('fe00::1')).to.equal(4); // in fc00::/6, outside the excluded fc00::/7
  });

  it('handles the edges of the address space', () => {
    const s = IpSet.from(['0.0.0.0/0']);
    expect(s.match('0.0.0.0')).to.equal(1);
    expect(s.match('255.255.255.255')).to.equal(1);
    const s2 = IpSet.from(['255.255.255.255', '0.0.0.0', '::/0']);
    expect(s2.match('255.255.255.254')).to.equal(0);
    expect(s2.match('255.255.255.255')).to.equal(1);
    expect(s2.match('ffff:ffff:ffff:ffff:ffff::1')).to.equal(1);
    expect(IpSet.empty().match('1.2.3.4')).to.equal(0);
    expect(IpSet.empty().match('2001:db8::1')).to.equal(0);
  });

  it('agrees with a naive reference on random overlapping data (v4 + v6, 8 labels)', () => {
    const r = rng(42);
    const blocks: { cidr: string; label: number; c?: Cidr }[] = [];
    // Dense, overlapping blocks inside a few /8s and 2001:db8::/32 so that random probes hit often.
    for (let i = 0; i < 3000; i++) {
      const label = Math.floor(r() * 8);
      if (r() < 0.75) {
        const base = [10, 198, 203][Math.floor(r() * 3)]! * 16777216 + Math.floor(r() * 16777216);
        const len = 8 + Math.floor(r() * 25);
        blocks.push({ cidr: `${formatIPv4(base >>> 0)}/${len}`, label });
      } else {
        const g = [0x2001, 0x0db8, Math.floor(r() * 4), Math.floor(r() * 65536), Math.floor(r() * 65536), 0, 0, 1];
        const len = 32 + Math.floor(r() * 97);
        blocks.push({ cidr: `${formatIPv6(g)}/${len}`, label });
      }
    }
    const b = new IpSetBuilder();
    for (const x of blocks) expect(b.add(x.cidr, x.label), x.cidr).to.equal(true);
    const set = b.build();
    let hits = 0;
    for (let i = 0; i < 3000; i++) {
      let ip: string;
      if (r() < 0.7) ip = formatIPv4(([10, 198, 203, 8][Math.floor(r() * 4)]! * 16777216 + Math.floor(r() * 16777216)) >>> 0);
      else ip = formatIPv6([0x2001, 0x0db8, Math.floor(r() * 5), Math.floor(r() * 65536), Math.floor(r() * 65536), 1, 2, 3]);
      const want = naiveMask(blocks, ip);
      if (want) hits++;
      expect(set.match(ip), ip).to.equal(want);
    }
    expect(hits).to.be.greaterThan(300); // the probe mix really exercises matches as well as misses
  });
});
