import { expect } from 'chai';
import { canonicalIp, parseCidr, cidrContains, ipv6Network, parseIPv4, parseIPv4Bytes } from '../../src/net/ip';

describe('ip helpers', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIPv4('192.0.2.1')).to.equal(0xc0000201);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '', 'a.b.c.d', '1.2.3.4 ']) {
      expect(parseIPv4(bad), bad).to.equal(-1);
    }
  });
  it('parseIPv4Bytes reads the bytes of a text as parseIPv4 reads the text', () => {
    const u = new Uint8Array(64);
    const texts = ['192.0.2.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.02.3.4', '10.0.0.10', '1.2.3', '1.2.3.4.5', '1..2.3',
      '', '.', 'a.b.c.d', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4x', '999.1.1.1', '19.255.2.3', '1.2.3.299', '1.2.3.0255', '2001:db8::1', '::ffff:192.0.2.1'];
    for (const t of texts) {
      for (let k = 0; k < t.length; k++) u[k + 3] = t.charCodeAt(k);
      u[3 + t.length] = 46;
      expect(parseIPv4Bytes(u, 3, 3 + t.length), t).to.equal(parseIPv4(t));
    }
    expect(parseIPv4Bytes(u, -1, 5)).to.equal(-1);
    expect(parseIPv4Bytes(u, 60, 65)).to.equal(-1);
  });
  it('reads IPv4 right whatever it read just before (the last two strings are remembered)', () => {
    const ips = ['192.0.2.1', '198.51.100.7', '192.0.2.1', '203.0.113.255', 'x', '192.0.2.10', '198.51.100.7', '1.2.3'];
    const want = (ip: string) => { const p = ip.split('.'); return p.length === 4 && p.every((x) => /^\d+$/.test(x)) ? p.reduce((a, x) => a * 256 + Number(x), 0) : -1; };
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < ips.length; i++) {
        const ip = ips[(i * (round + 1)) % ips.length]!;
        expect(parseIPv4(ip), ip).to.equal(want(ip));
        // a piece of a longer string is read from the piece, not from what was remembered of the whole
        expect(parseIPv4(`SRC=${ip} `, 4, 4 + ip.length), `piece ${ip}`).to.equal(want(ip));
      }
    }
  });
  it('canonicalises IPv6 per RFC 5952', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).to.equal('2001:db8::1');
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')).to.equal('2001:db8::1:0:0:1');
    expect(canonicalIp('::')).to.equal('::');
    expect(canonicalIp('::1')).to.equal('::1');
    expect(canonicalIp('fe80::1%eth0')).to.equal('fe80::1');
    expect(canonicalIp('::ffff:192.0.2.1')).to.equal('::ffff:192.0.2.1');
    expect(canonicalIp('[2001:db8::5]')).to.equal('2001:db8::5');
    for (const bad of ['2001:db8::1::2', ':::', '12345::', '2001:db8:1:2:3:4:5:6:7', 'g::1', '1:2:3:4:5:6:7']) {
      expect(canonicalIp(bad), bad).to.equal(undefined);
    }
  });
  it('matches CIDRs', () => {
    const c = parseCidr('10.1.2.3/8')!;
    expect(c.text).to.equal('10.0.0.0/8');
    expect(cidrContains(c, '10.255.0.1')).to.equal(true);
    expect(cidrContains(c, '11.0.0.1')).to.equal(false);
    const v6 = parseCidr('2001:db8::/32')!;
    expect(cidrContains(v6, '2001:db8:ffff::1')).to.equal(true);
    expect(cidrContains(v6, '10.0.0.1')).to.equal(false);
    expect(parseCidr('10.0.0.0/33')).to.equal(null);
  });
  it('names the IPv6 network an address is in', () => {
    expect(ipv6Network('2001:db8:1:2:3:4:5:6', 64)).to.equal('2001:db8:1:2::/64');
    expect(ipv6Network('2001:DB8:0001:0002::9', 64)).to.equal('2001:db8:1:2::/64');
    expect(ipv6Network('2001:db8:1:2:3:4:5:6', 48)).to.equal('2001:db8:1::/48');
    expect(ipv6Network('2001:db8:1:2ff::1', 56)).to.equal('2001:db8:1:200::/56');
    expect(ipv6Network('2001:db8:1:2:3:4:5:6', 128)).to.equal('2001:db8:1:2:3:4:5:6/128');
    for (const not of ['192.0.2.1', '::ffff:192.0.2.1', 'example', '', '2001:db8::1::2']) expect(ipv6Network(not, 64), not).to.equal(undefined);
  });
});
