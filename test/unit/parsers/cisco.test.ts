import { expect } from 'chai';
import { parseEp } from '../../../src/parsers/cisco-asa';
import { hostileVariants, parseLine } from './helpers';

describe('Cisco ASA / FTD', () => {
  it('reads the endpoint forms of the ASA catalogue', () => {
    expect(parseEp('outside:203.0.113.7/51000')).to.deep.equal({ iface: 'outside', ip: '203.0.113.7', port: 51000 });
    expect(parseEp('inside/192.168.1.30(22)')).to.deep.equal({ iface: 'inside', ip: '192.168.1.30', port: 22 });
    expect(parseEp('outside:2001:db8::1/443')).to.deep.equal({ iface: 'outside', ip: '2001:db8::1', port: 443 });
    expect(parseEp('(0.0.0.0)')).to.deep.equal({ iface: undefined, ip: '0.0.0.0', port: undefined });
    expect(parseEp('outside:198.51.100.2/ssh')).to.deep.equal({ iface: 'outside', ip: '198.51.100.2', port: undefined });
    expect(parseEp('dmz:OCSP_Server/5678')).to.equal(undefined);
  });

  it('makes the initiator the source of a Built outbound connection', () => {
    const line = '%ASA-6-302013: Built outbound TCP connection 9 for outside:198.51.100.80/443 (198.51.100.80/443) to inside:192.168.1.22/50123 (198.51.100.2/50123)';
    const out = parseLine(line)!;
    expect(out.source).to.deep.equal({ ip: '192.168.1.22', port: 50123 });
    expect(out.destination).to.deep.equal({ ip: '198.51.100.80', port: 443 });
    const inb = parseLine(line.replace('outbound', 'inbound'))!;
    expect(inb.source.ip).to.equal('198.51.100.80');
  });

  it('returns null for non-network ASA messages and takes the time from any header', () => {
    expect(parseLine('<166>Nov 23 2026 10:00:01: %ASA-6-113004: AAA user authentication Successful : server = 192.168.1.5 : user = admin')).to.equal(null);
    const ev = parseLine('<166>Nov 23 2026 10:00:01 fw1 : %ASA-2-106006: Deny inbound UDP from 203.0.113.10/5060 to 198.51.100.2/5060 on interface outside')!;
    expect(ev['@timestamp']).to.equal('2026-11-23T10:00:01.000Z');
    expect(ev.observer.hostname).to.equal('fw1');
  });

  it('never reads an attacker-chosen user name as an address', () => {
    const ev = parseLine('%ASA-4-106023: Deny tcp src outside:203.0.113.7/51000(LOCAL\\198.51.100.99) dst inside:192.168.1.20/22 by access-group "in" [0x0, 0x0]')!;
    expect(ev.source.ip).to.equal('203.0.113.7');
    expect(ev.destination.ip).to.equal('192.168.1.20');
  });

  it('survives cut and hostile variants', () => {
    const lines = [
      '<166>Nov 23 2026 10:00:02 asa01 : %ASA-6-302013: Built inbound TCP connection 1001 for outside:203.0.113.8/40000 (203.0.113.8/40000) to inside:192.168.1.21/443 (198.51.100.21/443)',
      'Nov 23 10:00:01 192.168.1.1 1001: Nov 23 10:00:01.123: %SEC-6-IPACCESSLOGP: list 101 denied tcp 203.0.113.20(40000) -> 198.51.100.2(23), 1 packet',
      '<134>1 1795428001.123456789 MX68 flows allow src=192.168.10.20 dst=198.51.100.53 mac=00:18:0A:11:22:33 protocol=udp sport=51000 dport=53',
      '%FTD-1-430002: EventPriority: Low, AccessControlRuleAction: Block, SrcIP: 203.0.113.18, DstIP: 192.168.1.60, SrcPort: 40000, DstPort: 445, Protocol: tcp',
    ];
    for (const line of lines) for (const l of hostileVariants(line)) parseLine(l);
  });
});

describe('Cisco Meraki', () => {
  it('splits IPv6 and IPv4 address:port values', () => {
    const ev = parseLine('1795428005.0 MX68 urls src=2001:db8:1:2:3:4:5:6:50003 dst=198.51.100.81:80 request: GET http://www.example.com/')!;
    expect(ev.source).to.deep.equal({ ip: '2001:db8:1:2:3:4:5:6', port: 50003 });
    expect(ev.destination).to.deep.equal({ ip: '198.51.100.81', port: 80 });
  });
});
