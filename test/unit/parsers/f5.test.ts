import { expect } from 'chai';
import { hostileVariants, parseLine } from './helpers';

describe('F5 BIG-IP', () => {
  const secev = 'perl[24001]: 01310039:3: [SECEV] Request violations: Attack signature detected. HTTP protocol compliance sub violations: N/A. '
    + 'Evasion techniques sub violations: N/A. Web services security sub violations: N/A. Virus name: N/A. Support id: 4419288201735550001, '
    + 'source ip: 203.0.113.185, xff ip: 198.51.100.250, source port: 51515, destination ip: 192.0.2.33, destination port: 443, '
    + 'route_domain: 0, HTTP classifier: /Common/shop_app, scheme HTTPS, geographic location: , request: <GET / HTTP/1.1\\r\\n>';

  it('reads an ASM request-violation record as an alert from the client to the virtual server', () => {
    const ev = parseLine(secev)!;
    expect(ev.event.kind).to.equal('alert');
    expect(ev.event.code).to.equal('01310039');
    expect(ev.source).to.deep.equal({ ip: '203.0.113.185', port: 51515 });
    expect(ev.destination).to.deep.equal({ ip: '192.0.2.33', port: 443 });
    // The connection records of the same box stay ordinary events.
    const conn = parseLine('tmm1[20358]: 01260013:4: SSL Handshake failed for TCP 203.0.113.180:57424 -> 192.0.2.30:443')!;
    expect(conn.event.kind).to.equal('event');
  });

  it('never takes the client-chosen X-Forwarded-For or request text as an endpoint', () => {
    // No "source ip" pair: the xff ip is not a substitute.
    expect(parseLine(secev.replace('source ip: 203.0.113.185, ', ''))).to.equal(null);
    // Keys written inside the request are after "request:", where reading stops.
    const spoof = parseLine(secev.replace('source ip: 203.0.113.185, ', '').replace('<GET /', '<GET /, source ip: 10.9.9.9, x'));
    expect(spoof).to.equal(null);
    const early = parseLine(secev.replace('request: <GET /', 'request: <GET /, destination ip: 10.9.9.10, x'))!;
    expect(early.destination.ip).to.equal('192.0.2.33');
  });

  it('gives null for ASM text that is not a request-violation record', () => {
    expect(parseLine('perl[24001]: 01310039:3: [SECEV] Policy applied, source ip: 203.0.113.185, destination ip: 192.0.2.33')).to.equal(null);
  });

  it('survives cut and hostile variants', () => {
    for (const l of hostileVariants(secev)) parseLine(l);
  });
});
