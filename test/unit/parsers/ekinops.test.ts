import { expect } from 'chai';
import { hostileVariants, parseLine } from './helpers';

describe('Ekinops OneOS', () => {
  const denied = '<190>Nov 23 10:00:00 oneos-br1 : #INFO# list WAN-IN denied udp 203.0.113.50:5353-> 192.0.2.20:53 3 matches';

  it('reads an access-list hit: verdict, protocol, both endpoints and the list name', () => {
    const ev = parseLine(denied)!;
    expect(ev.event.dataset).to.equal('gatewatch.ekinops-oneos');
    expect(ev.event.action).to.equal('deny');
    expect(ev.source).to.deep.equal({ ip: '203.0.113.50', port: 5353 });
    expect(ev.destination).to.deep.equal({ ip: '192.0.2.20', port: 53 });
    expect(ev.network.transport).to.equal('udp');
    expect(ev.rule?.name).to.equal('WAN-IN');
    // Without the header (a file of bare messages) and with the arrow set apart.
    const bare = parseLine('#INFO# list LAN-OUT permitted tcp 192.168.1.20:51000 -> 198.51.100.30:443 1 matches')!;
    expect(bare.event.action).to.equal('allow');
    expect(bare.destination).to.deep.equal({ ip: '198.51.100.30', port: 443 });
  });

  it('reads "proto N" as the protocol number and keeps no ports for a portless protocol', () => {
    const ev = parseLine('<190>Nov 23 10:00:02 oneos-br1 : #INFO# list LAN-OUT permitted proto 47 192.168.1.21:0-> 198.51.100.31:0 2 matches')!;
    expect(ev.network.transport).to.equal('gre');
    expect(ev.source).to.deep.equal({ ip: '192.168.1.21' });
  });

  it('gives null for other OneOS messages and for endpoints it cannot split safely', () => {
    expect(parseLine('<189>Nov 23 10:00:04 oneos-br1 : #NOTIFY# list of NTP servers updated')).to.equal(null);
    expect(parseLine('<189>Nov 23 10:00:04 oneos-br1 : #NOTIFY# IF: Dialer 1 is DOWN')).to.equal(null);
    // An unbracketed IPv6 address with a port is ambiguous ("2001:db8::1:53" is itself an address).
    expect(parseLine('#INFO# list v6 denied udp 2001:db8::1:5353-> 2001:db8::2:53 1 matches')).to.equal(null);
    // A level tag that is not one upper-case word is not OneOS.
    expect(parseLine('#info# list WAN-IN denied udp 203.0.113.50:5353-> 192.0.2.20:53 3 matches')).to.equal(null);
  });

  it('survives cut and hostile variants', () => {
    for (const l of hostileVariants(denied)) parseLine(l);
  });
});
