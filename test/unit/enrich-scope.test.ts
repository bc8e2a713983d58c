import { expect } from 'chai';
import { addressScope } from '../../src/enrich/scope';

describe('enrich: address scope', () => {
  const cases: [string, string | undefined][] = [
    ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['81.2.69.160', 'public'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['172.32.0.1', 'public'], ['172.15.255.255', 'public'],
    ['192.168.1.1', 'private'], ['192.169.0.1', 'public'],
    ['127.0.0.1', 'loopback'], ['169.254.10.1', 'link-local'], ['169.253.1.1', 'public'],
    ['100.64.0.1', 'cgnat'], ['100.127.255.255', 'cgnat'], ['100.128.0.1', 'public'], ['100.63.255.255', 'public'],
    ['224.0.0.251', 'multicast'], ['239.255.255.250', 'multicast'], ['255.255.255.255', 'broadcast'], ['240.0.0.1', 'reserved'],
    ['0.0.0.0', 'unspecified'], ['0.1.2.3', 'reserved'],
    ['192.0.0.8', 'reserved'], ['192.0.2.1', 'reserved'], ['192.0.3.1', 'public'], ['198.51.100.7', 'reserved'], ['203.0.113.9', 'reserved'],
    ['198.18.0.1', 'reserved'], ['198.19.255.1', 'reserved'], ['198.20.0.1', 'public'], ['203.0.114.1', 'public'],
    ['::', 'unspecified'], ['::1', 'loopback'], ['fe80::1', 'link-local'], ['fd00::1', 'private'], ['fc12::1', 'private'],
    ['ff02::1', 'multicast'], ['2001:db8::1', 'reserved'], ['2001:4860:4860::8888', 'public'], ['2a00:1450::1', 'public'],
    ['::ffff:192.168.1.1', 'private'], ['::ffff:8.8.8.8', 'public'], ['3fff::1', 'reserved'], ['4000::1', 'reserved'],
    ['not an ip', undefined], ['1.2.3', undefined], ['', undefined],
  ];
  for (const [ip, want] of cases) {
    it(`${ip || '(empty)'} → ${want}`, () => expect(addressScope(ip)).to.equal(want));
  }
});
