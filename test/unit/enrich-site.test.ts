import { expect } from 'chai';
import { newEvent, GwEvent } from '../../src/event';
import { Site, validateSite } from '../../src/enrich/site';

function ev(src?: string, dst?: string, inIf?: string, outIf?: string): GwEvent {
  const e = newEvent('test', 'test', 'test', '2026-11-23T10:00:00.000Z', 'deny');
  if (src) e.source.ip = src;
  if (dst) e.destination.ip = dst;
  if (inIf) e.observer.ingress = { interface: { name: inIf } };
  if (outIf) e.observer.egress = { interface: { name: outIf } };
  return e;
}

describe('enrich: site and direction', () => {
  it('uses the private ranges by default', () => {
    const s = new Site();
    expect(s.direction(ev('203.0.113.5', '192.168.1.10'))).to.equal('inbound');
    expect(s.direction(ev('192.168.1.10', '198.51.100.1'))).to.equal('outbound');
    expect(s.direction(ev('10.0.0.1', '192.168.1.10'))).to.equal('internal');
    expect(s.direction(ev('203.0.113.5', '198.51.100.1'))).to.equal('external');
    expect(s.direction(ev('fd00::5', '2001:db8::1'))).to.equal('outbound');
    expect(s.direction(ev())).to.equal(undefined);
  });

  it('counts the site\'s public addresses as home', () => {
    const s = new Site({ publicAddresses: ['198.51.100.20'] });
    expect(s.direction(ev('203.0.113.5', '198.51.100.20'))).to.equal('inbound');
    expect(s.direction(ev('198.51.100.20', '203.0.113.5'))).to.equal('outbound');
    expect(s.isOwnPublic('198.51.100.20')).to.equal(true);
    expect(s.isOwnPublic('192.168.1.1')).to.equal(false);
  });

  it('uses the WAN interface when addresses cannot tell', () => {
    const s = new Site({ wanInterfaces: ['ppp0', 'eth0'] });
    expect(s.direction(ev('203.0.113.5', '198.51.100.9', 'ppp0'))).to.equal('inbound');
    expect(s.direction(ev('203.0.113.5', '198.51.100.9', 'br0', 'eth0'))).to.equal('outbound');
    expect(s.direction(ev('203.0.113.5', '198.51.100.9', 'br0'))).to.equal('external');
    // Addresses win when they can tell.
    expect(s.direction(ev('192.168.1.2', '198.51.100.9', 'ppp0'))).to.equal('outbound');
  });

  it('custom home networks replace the defaults', () => {
    const s = new Site({ homeNets: ['203.0.113.0/24', '2001:db8:5::/48'] });
    expect(s.direction(ev('192.168.1.1', '203.0.113.9'))).to.equal('inbound');
    expect(s.direction(ev('2001:db8:5::1', '2001:db8:6::1'))).to.equal('outbound');
  });

  it('rejects bad networks, time zones and country codes with clear messages', () => {
    const errs = validateSite({ homeNets: ['10.0.0.0/33', 'banana'], timezone: 'Mars/Olympus', homeCountry: 'GBR', publicAddresses: ['1.2.3'] });
    expect(errs).to.have.length(5);
    expect(errs.join('\n')).to.match(/10\.0\.0\.0\/33.*not a network/).and.match(/Mars\/Olympus.*not a time zone/).and.match(/GBR.*country code/);
    expect(() => new Site({ timezone: 'Nowhere/Land' })).to.throw(/time zone/);
    expect(validateSite({ homeNets: ['192.168.0.0/16', 'fd00::/8'], timezone: 'Europe/London', homeCountry: 'gb' })).to.deep.equal([]);
    expect(new Site({ homeCountry: 'gb' }).homeCountry).to.equal('GB');
  });
});
