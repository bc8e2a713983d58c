import { expect } from 'chai';
import { LineParser } from '../../../src/parsers/registry';
import { hostileVariants, parseLine } from './helpers';

const V4 = '<134>Nov 23 10:00:01 filterlog[41323]: 5,,,1000000103,igb0,match,block,in,4,0x0,,242,54321,0,none,6,tcp,40,203.0.113.50,198.51.100.2,44321,3389,0,S,1234567890,,1024,,';

describe('pfSense / OPNsense filterlog', () => {
  it('reads the IPv4 TCP layout at its documented positions', () => {
    const ev = parseLine(V4, 'pfsense')!;
    expect(ev.event.dataset).to.equal('gatewatch.pfsense');
    expect(ev.source).to.deep.equal({ ip: '203.0.113.50', port: 44321 });
    expect(ev.destination).to.deep.equal({ ip: '198.51.100.2', port: 3389 });
    expect(ev.observer.ingress?.interface.name).to.equal('igb0');
    expect(ev.gatewatch?.tcp_flags).to.deep.equal(['SYN']);
    expect(ev.gatewatch?.tcp_options).to.equal(false);
    expect(ev.network.bytes).to.equal(40);
  });

  it('maps every pf TCP flag letter', () => {
    const ev = parseLine(V4.replace(',0,S,', ',0,SAFRPUEW,'))!;
    expect(ev.gatewatch?.tcp_flags).to.deep.equal(['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'ECE', 'CWR']);
  });

  it('tells OPNsense from pfSense by the tracker or the host name', () => {
    expect(parseLine(V4)!.observer.vendor).to.equal('pfsense');
    const hex = V4.replace('1000000103', '02f4bab031b57d1e30553ce08e0ec131');
    expect(parseLine(hex)!.observer.vendor).to.equal('opnsense');
    const host = V4.replace('filterlog[41323]', 'OPNsense.lan filterlog[41323]');
    expect(parseLine(host)!.observer.vendor).to.equal('opnsense');
  });

  it('accepts a bare CSV body but not a look-alike CSV', () => {
    const body = V4.slice(V4.indexOf(': ') + 2);
    expect(parseLine(body)!.source.ip).to.equal('203.0.113.50');
    expect(parseLine('5,,,1,igb0,match,maybe,in,4,0x0,,242,1,0,none,6,tcp,40,203.0.113.50,198.51.100.2,1,2')).to.equal(null);
    expect(parseLine('1,2,3,4,5,6,7,8,9')).to.equal(null);
  });

  it('finds the addresses of a variant with extra fields', () => {
    const ev = parseLine('123,001,anchor1,label2,eth0,match,pass,in,6,,123,64,12345,0,DF,vrrp,6,80,2001:db8::1,2001:db8::2,3,64,1,2,3,4')!;
    expect(ev.source.ip).to.equal('2001:db8::1');
    expect(ev.destination.ip).to.equal('2001:db8::2');
    expect(ev.network.transport).to.equal('vrrp');
  });

  it('writes the event keys in the order they have always been written (JSON text)', () => {
    // build() makes parse()'s event and the analyze worker's record's alike: a change of key order there
    // would pass the record test (test/unit/analyze-records.test.ts), so the JSON text is pinned here.
    const p = new LineParser({ tz: 'UTC', refMs: Date.UTC(2026, 10, 23) });
    const cases: [string, string][] = [
      ["<134>Nov 23 10:00:01 filterlog[41323]: 5,,,1000000103,igb0,match,block,in,4,0x0,,242,54321,0,none,6,tcp,40,203.0.113.50,198.51.100.2,44321,3389,0,S,1234567890,,1024,,",
       "{\"@timestamp\":\"2026-11-23T10:00:01.000Z\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"denied\"],\"action\":\"deny\",\"outcome\":\"failure\",\"dataset\":\"gatewatch.pfsense\"},\"observer\":{\"vendor\":\"pfsense\",\"product\":\"pfsense\",\"type\":\"firewall\",\"ingress\":{\"interface\":{\"name\":\"igb0\"}}},\"source\":{\"ip\":\"203.0.113.50\",\"port\":44321},\"destination\":{\"ip\":\"198.51.100.2\",\"port\":3389},\"network\":{\"type\":\"ipv4\",\"transport\":\"tcp\",\"iana_number\":\"6\",\"packets\":1,\"bytes\":40},\"rule\":{\"id\":\"1000000103\"},\"gatewatch\":{\"rule_number\":\"5\",\"ttl\":242,\"tcp_flags\":[\"SYN\"],\"tcp_options\":false}}"],
      ["<134>1 2026-11-23T11:00:07+01:00 OPNsense.example.org filterlog 76404 - - 14,,natrules,,vtnet0,fragment,pass,out,4,0x0,,300,1,0,none,1,icmp,84,203.0.113.9,198.51.100.2,unreach,1",
       "{\"@timestamp\":\"2026-11-23T10:00:07.000Z\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"allowed\"],\"action\":\"allow\",\"outcome\":\"success\",\"dataset\":\"gatewatch.pfsense\"},\"observer\":{\"vendor\":\"opnsense\",\"product\":\"opnsense\",\"type\":\"firewall\",\"hostname\":\"OPNsense.example.org\",\"egress\":{\"interface\":{\"name\":\"vtnet0\"}}},\"source\":{\"ip\":\"203.0.113.9\"},\"destination\":{\"ip\":\"198.51.100.2\"},\"network\":{\"type\":\"ipv4\",\"transport\":\"icmp\",\"iana_number\":\"1\",\"packets\":1,\"bytes\":84},\"rule\":{\"id\":\"14\",\"name\":\"natrules\"},\"gatewatch\":{\"rule_number\":\"14\",\"reason\":\"fragment\",\"icmp\":{\"type\":3}}}"],
      ["7,,,1000000105,igb0,match,reject,in,6,0x00,0x00000,57,tcp,6,x,2001:db8:bad::5,2001:0db8::10,51234,99999,0,AS,1,,64800,,",
       "{\"@timestamp\":\"2026-11-23T10:00:00.000Z\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":[\"connection\",\"denied\"],\"action\":\"deny\",\"outcome\":\"failure\",\"dataset\":\"gatewatch.pfsense\"},\"observer\":{\"vendor\":\"pfsense\",\"product\":\"pfsense\",\"type\":\"firewall\",\"ingress\":{\"interface\":{\"name\":\"igb0\"}}},\"source\":{\"ip\":\"2001:db8:bad::5\",\"port\":51234},\"destination\":{\"ip\":\"2001:db8::10\"},\"network\":{\"type\":\"ipv6\",\"transport\":\"tcp\",\"iana_number\":\"6\",\"packets\":1},\"rule\":{\"id\":\"1000000105\"},\"gatewatch\":{\"rule_number\":\"7\",\"ttl\":57,\"tcp_flags\":[\"ACK\",\"SYN\"]}}"],
    ];
    for (const [line, json] of cases) expect(JSON.stringify(p.parse(line, Date.UTC(2026, 10, 23, 10))), line).to.equal(json);
  });

  it('survives cut and hostile variants without throwing', () => {
    for (const l of hostileVariants(V4)) parseLine(l);
  });
});

describe('fastIso', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fastIso } = require('../../../src/parsers/iso') as typeof import('../../../src/parsers/iso');
  it('writes exactly what toISOString writes', () => {
    const xs = [0, 1, 999, 1000, 86399999, 86400000, Date.UTC(2026, 10, 23, 10, 0, 1, 5), Date.UTC(2026, 1, 28, 23, 59, 59, 999),
      Date.UTC(2028, 1, 29, 12), 1795428001123, 253402300799999];
    for (let i = 0; i < 2000; i++) xs.push(Math.floor(Math.random() * 4e12));
    for (const x of xs) expect(fastIso(x), String(x)).to.equal(new Date(x).toISOString());
    expect(fastIso(-1)).to.equal(new Date(-1).toISOString());
  });
});
