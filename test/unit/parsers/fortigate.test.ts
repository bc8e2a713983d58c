import { expect } from 'chai';
import { hostileVariants, parseLine } from './helpers';

const T = 'date=2026-11-23 time=10:00:01 devname="FGT60F" devid="FGT60F01" eventtime=1795428001123456789 tz="+0000" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=192.168.1.10 srcport=51000 srcintf="internal" dstip=198.51.100.80 dstport=443 dstintf="wan1" proto=6 action="deny" policyid=5 policyname="Block \\"bad\\" sites" msg="a=b c, d" sentbyte=5000000000 rcvdbyte=0';

describe('FortiGate', () => {
  it('reads quoted values with escapes and keeps counters beyond 4 GB', () => {
    const ev = parseLine(T, 'fortigate')!;
    expect(ev.rule).to.deep.equal({ id: '5', name: 'Block "bad" sites' });
    expect(ev.network.bytes).to.equal(5000000000);
    expect(ev['@timestamp']).to.equal('2026-11-23T10:00:01.123Z');
    expect(ev.event.action).to.equal('deny');
  });

  it('uses date, time and tz when there is no eventtime', () => {
    const ev = parseLine(T.replace('eventtime=1795428001123456789 ', '').replace('tz="+0000"', 'tz="-0500"'))!;
    expect(ev['@timestamp']).to.equal('2026-11-23T15:00:01.000Z');
  });

  it('reads relayed lines with doubled quotes', () => {
    const ev = parseLine(T.replace(/"/g, '""').replace('\\""bad\\""', 'bad'))!;
    expect(ev.source.ip).to.equal('192.168.1.10');
    expect(ev.observer.ingress?.interface.name).to.equal('internal');
  });

  it('marks session start and end records (logtraffic-start)', () => {
    expect(parseLine(T.replace('action="deny"', 'action="start"'))!.event.type).to.deep.equal(['connection', 'start', 'allowed']);
    expect(parseLine(T.replace('action="deny"', 'action="close"'))!.event.type).to.deep.equal(['connection', 'end', 'allowed']);
    expect(parseLine(T.replace('action="deny"', 'action="timeout"'))!.event.type).to.deep.equal(['connection', 'end', 'allowed']);
    expect(parseLine(T)!.event.type).to.deep.equal(['connection', 'denied']);
  });

  it('keeps ICMP srcport/dstport as written and reads icmptype/icmpcode in hex or decimal', () => {
    const icmp = T.replace('proto=6', 'proto=1').replace('srcport=51000', 'srcport=4660').replace('dstport=443', 'dstport=2048');
    const ev = parseLine(icmp.replace('level="notice"', 'level="notice" icmptype="0x08" icmpcode="0x00"'))!;
    expect(ev.network.transport).to.equal('icmp');
    expect([ev.source.port, ev.destination.port]).to.deep.equal([4660, 2048]);
    expect(ev.gatewatch!.icmp).to.deep.equal({ type: 8, code: 0 });
    expect(parseLine(icmp.replace('level="notice"', 'level="notice" icmptype=3 icmpcode=13'))!.gatewatch!.icmp).to.deep.equal({ type: 3, code: 13 });
    // Not a number: no gatewatch.icmp rather than a wrong one.
    expect(parseLine(icmp.replace('level="notice"', 'level="notice" icmptype="0xZZ" icmpcode="0x12345"'))!.gatewatch!.icmp).to.equal(undefined);
  });

  it('marks UTM and http-transaction records as alerts, traffic and DoS anomalies as events', () => {
    expect(parseLine(T)!.event.kind).to.equal('event');
    expect(parseLine(T.replace('type="traffic" subtype="forward"', 'type="utm" subtype="ips"'))!.event.kind).to.equal('alert');
    expect(parseLine(T.replace('type="traffic" subtype="forward"', 'type="utm" subtype="webfilter"'))!.event.kind).to.equal('alert');
    expect(parseLine(T.replace('subtype="forward"', 'subtype="http-transaction"'))!.event.kind).to.equal('alert');
    expect(parseLine(T.replace('subtype="forward"', 'subtype="local"'))!.event.kind).to.equal('event');
    expect(parseLine(T.replace('type="traffic" subtype="forward"', 'type="utm" subtype="anomaly"'))!.event.kind).to.equal('event');
    expect(parseLine(T.replace('type="traffic" subtype="forward"', 'type="anomaly" subtype="anomaly"'))!.event.kind).to.equal('event');
  });

  it('returns null for event logs', () => {
    expect(parseLine(T.replace('type="traffic"', 'type="event"'))).to.equal(null);
  });

  it('survives cut and hostile variants', () => {
    for (const l of hostileVariants(T)) parseLine(l);
  });
});
