import { expect } from 'chai';
import { splitCsv } from '../../../src/parsers/paloalto';
import { hostileVariants, parseLine } from './helpers';

function csv(vals: string[], n: number): string {
  const v = vals.slice();
  while (v.length < n) v.push('');
  return v.join(',');
}
const THREAT = csv(['1', '2026/11/23 10:00:05', '012801000001', 'THREAT', 'vulnerability', '2561', '2026/11/23 10:00:05', '203.0.113.51',
  '192.168.1.20', '203.0.113.51', '198.51.100.2', 'inbound-web', '', '', 'web-browsing', 'vsys1', 'untrust', 'dmz', 'ethernet1/1',
  'ethernet1/3', 'fwd', '2026/11/23 10:00:05', '1005', '1', '45000', '80', '45000', '80', '0x402000', 'tcp', 'reset-both',
  '"www.example.com/a?x=1,y=""2"""', 'Example Vulnerability(90000)', 'any', 'critical', 'client-to-server'], 60);

describe('Palo Alto PAN-OS', () => {
  it('splits CSV with quoted commas and doubled quotes', () => {
    expect(splitCsv('a,"b,c",d', 0, 10)).to.deep.equal(['a', 'b,c', 'd']);
    expect(splitCsv('"x ""y""",,z', 0, 10)).to.deep.equal(['x "y"', '', 'z']);
  });

  it('keeps the positions after a quoted field with commas', () => {
    const ev = parseLine('<14>Nov 23 10:00:05 PA-440 ' + THREAT, 'paloalto')!;
    expect(ev.event.action).to.equal('deny');
    expect(ev.gatewatch?.threat_name).to.equal('Example Vulnerability(90000)');
    expect(ev.gatewatch?.threat_severity).to.equal('critical');
    expect(ev.destination).to.deep.equal({ ip: '192.168.1.20', port: 80, nat: { ip: '198.51.100.2', port: 80 } });
  });

  it('reads the generated time in the configured zone', () => {
    const ev = parseLine(THREAT)!;
    expect(ev['@timestamp']).to.equal('2026-11-23T10:00:05.000Z');
  });

  it('returns null for SYSTEM, CONFIG and USERID logs', () => {
    for (const t of ['SYSTEM', 'CONFIG', 'USERID', 'GLOBALPROTECT', 'HIPMATCH']) expect(parseLine(THREAT.replace('THREAT', t)), t).to.equal(null);
  });

  it('marks the start and end records of a session (log at session start)', () => {
    const traffic = (sub: string, action: string) => '<14>Nov 23 10:00:05 PA-440 ' + csv(['1', '2026/11/23 10:00:05', '012801000001', 'TRAFFIC', sub,
      '2561', '2026/11/23 10:00:05', '192.168.1.10', '198.51.100.80', '', '', 'allow-web', '', '', 'ssl', 'vsys1', 'trust', 'untrust',
      'ethernet1/2', 'ethernet1/1', 'fwd', '2026/11/23 10:00:05', '77', '1', '51000', '443', '0', '0', '0x0', 'tcp', action], 60);
    expect(parseLine(traffic('start', 'allow'))!.event.type).to.deep.equal(['connection', 'start', 'allowed']);
    expect(parseLine(traffic('end', 'allow'))!.event.type).to.deep.equal(['connection', 'end', 'allowed']);
    expect(parseLine(traffic('drop', 'drop'))!.event.type).to.deep.equal(['connection', 'denied']);
  });

  it('marks THREAT content records as alerts, keeps flood/scan/packet as events and file records out', () => {
    expect(parseLine(THREAT)!.event.kind).to.equal('alert');
    for (const sub of ['spyware', 'virus', 'url']) expect(parseLine(THREAT.replace('vulnerability', sub))!.event.kind, sub).to.equal('alert');
    for (const sub of ['flood', 'scan', 'packet']) expect(parseLine(THREAT.replace('vulnerability', sub))!.event.kind, sub).to.equal('event');
    for (const sub of ['file', 'wildfire', 'data']) expect(parseLine(THREAT.replace('vulnerability', sub)), sub).to.equal(null);
    // A DECRYPTION record reports the TLS handshake of a session the TRAFFIC log also reports.
    expect(parseLine(THREAT.replace('THREAT,vulnerability', 'DECRYPTION,end'))!.event.kind).to.equal('alert');
  });

  it('reads a DNS Security record only with a resolver address, as an alert', () => {
    const dns = (extra: string) => `{"DeviceSN":"012801000001","LogType":"DNS","SubType":"dns-security","TimeGenerated":"2026-11-23T10:00:13.000000Z","SourceAddress":"192.168.1.30"${extra},"Action":"allow"}`;
    const ev = parseLine(dns(',"DNSResolverIP":"2001:db8::53"'))!;
    expect(ev.event.kind).to.equal('alert');
    expect([ev.source.ip, ev.destination.ip]).to.deep.equal(['192.168.1.30', '2001:db8::53']);
    // DestinationAddress is not a DNS Security field: only the resolver is the destination.
    expect(parseLine(dns(',"DestinationAddress":"198.51.100.9"'))!.destination.ip).to.equal(undefined);
  });

  it('survives cut and hostile variants', () => {
    for (const l of hostileVariants(THREAT)) parseLine(l);
  });
});
