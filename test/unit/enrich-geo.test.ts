import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, GwEvent } from '../../src/event';
import { BoundedCache, countryName, GeoLookup } from '../../src/enrich/geo';
import { buildMmdb } from '../helpers/mmdb';

function ev(src: string, dst: string, direction?: 'inbound' | 'outbound' | 'internal'): GwEvent {
  const e = newEvent('test', 'test', 'test', '2026-11-23T10:00:00.000Z', 'deny');
  e.source.ip = src;
  e.destination.ip = dst;
  if (direction) e.network.direction = direction;
  return e;
}

describe('enrich: geo', function () {
  this.timeout(60000);

  it('looks up known addresses in the bundled geoip-lite data (city mode)', async () => {
    const g = await GeoLookup.create({ mode: 'city' });
    const a = g.lookup('81.2.69.160');
    expect(a.geo).to.include({ country_iso_code: 'GB', country_name: 'United Kingdom', region_iso_code: 'GB-ENG', timezone: 'Europe/London' });
    expect(a.geo!.city_name).to.be.a('string').and.not.equal('');
    expect(a.geo!.location!.lat).to.be.closeTo(51.75, 1);
    expect(g.lookup('8.8.8.8').geo).to.include({ country_iso_code: 'US', country_name: 'United States' });
    expect(g.lookup('2001:4860:4860::8888').geo).to.include({ country_iso_code: 'US' });
  });

  it('enriches public addresses only, on the chosen sides', async () => {
    const g = await GeoLookup.create({ sides: 'both' });
    const e = ev('81.2.69.160', '192.168.1.10');
    g.enrich(e);
    expect(e.source.geo!.country_iso_code).to.equal('GB');
    expect(e.source.address_scope).to.equal('public');
    expect(e.destination.geo).to.equal(undefined);
    expect(e.destination.address_scope).to.equal('private');
    const doc = ev('203.0.113.5', '8.8.8.8');
    g.enrich(doc);
    expect(doc.source.geo).to.equal(undefined); // documentation range: reserved, never looked up
    expect(doc.destination.geo!.country_iso_code).to.equal('US');

    const remote = await GeoLookup.create({ sides: 'remote' });
    const out = ev('81.2.69.160', '8.8.8.8', 'outbound');
    remote.enrich(out);
    expect(out.source.geo).to.equal(undefined);
    expect(out.destination.geo!.country_iso_code).to.equal('US');
    const inb = ev('81.2.69.160', '8.8.8.8', 'inbound');
    remote.enrich(inb);
    expect(inb.source.geo!.country_iso_code).to.equal('GB');
    expect(inb.destination.geo).to.equal(undefined);

    const onlyDst = await GeoLookup.create({ sides: 'destination' });
    const d = ev('81.2.69.160', '8.8.8.8');
    onlyDst.enrich(d);
    expect(d.source.geo).to.equal(undefined);
    expect(d.destination.geo).to.not.equal(undefined);

    const off = await GeoLookup.create({ mode: 'off' });
    const o = ev('81.2.69.160', '8.8.8.8');
    off.enrich(o);
    expect(o.source.geo).to.equal(undefined);
  });

  it('looks each distinct address up once, and the cache stays bounded', async () => {
    const g = await GeoLookup.create({ cacheSize: 100 });
    for (let i = 0; i < 5; i++) g.enrich(ev('81.2.69.160', '8.8.8.8'));
    expect(g.lookups).to.equal(2);
    expect(g.cache.hits).to.equal(8);
    // Events get their own copies: changing one does not change the next.
    const a = ev('81.2.69.160', '10.0.0.1');
    g.enrich(a);
    a.source.geo!.city_name = 'changed';
    const b = ev('81.2.69.160', '10.0.0.1');
    g.enrich(b);
    expect(b.source.geo!.city_name).to.not.equal('changed');
    for (let i = 0; i < 1000; i++) g.lookup(`81.2.${i >> 8}.${i & 255}`);
    expect(g.cache.size).to.be.at.most(100);
  });

  it('caches IPv4 answers per /24 with the same answers as a look-up per address', async () => {
    const g = await GeoLookup.create({ mode: 'city', cacheSize: 64 });
    const fresh = await GeoLookup.create({ mode: 'city', cacheSize: 64 });
    // Addresses across many /24s and within a few (block hits), compared with uncached look-ups.
    const ips: string[] = [];
    for (let i = 0; i < 400; i++) ips.push(`${11 + ((i * 37) % 200)}.${(i * 91) & 255}.${(i * 13) & 255}.${(i * 7) & 255}`);
    for (let i = 0; i < 50; i++) ips.push(`81.2.69.${i}`, `8.8.8.${i}`);
    for (const ip of ips) {
      const e = ev(ip, '10.0.0.1');
      g.enrich(e);
      const want = fresh.lookupUncached(ip).geo;
      expect(e.source.geo, ip).to.deep.equal(want);
    }
    // 8.8.8.0/24 lies in one geoip-lite range: one look-up for the whole block.
    const b = await GeoLookup.create({ mode: 'city' });
    for (let i = 0; i < 50; i++) b.enrich(ev(`8.8.8.${i}`, '10.0.0.1'));
    expect(b.lookups).to.equal(1);
    expect(b.cache.hits).to.equal(49);
  });

  it('share mode hands events the frozen cached answer instead of a copy', async () => {
    const g = await GeoLookup.create({ mode: 'city', share: true });
    const a = ev('81.2.69.160', '8.8.8.8');
    const b = ev('81.2.69.161', '8.8.8.8');
    g.enrich(a);
    g.enrich(b);
    expect(a.destination.geo).to.equal(b.destination.geo);
    expect(Object.isFrozen(a.destination.geo)).to.equal(true);
    expect(a.source.geo).to.deep.equal((await GeoLookup.create({ mode: 'city' })).lookup('81.2.69.160').geo);
    expect(() => { (a.source.geo as { city_name?: string }).city_name = 'changed'; }).to.throw(TypeError);
  });

  it('BoundedCache keeps recently used keys', () => {
    const c = new BoundedCache<number>(4);
    c.set('a', 1); c.set('b', 2);
    c.set('c', 3); // a, b move to the old generation
    expect(c.get('a')).to.equal(1); // promoted
    c.set('d', 4); c.set('e', 5);
    expect(c.size).to.be.at.most(4);
    expect(c.get('a')).to.equal(1);
    expect(c.get('b')).to.equal(undefined);
  });

  it('names countries with Intl.DisplayNames', () => {
    expect(countryName('DE')).to.equal('Germany');
    expect(countryName('ZZ')).to.equal(undefined);
  });

  it('country mode loads only the country data (separate process)', () => {
    const script = `
      const { GeoLookup, loadedGeoipMode } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'enrich', 'geo.js'))});
      GeoLookup.create({ mode: 'country' }).then((g) => {
        const before = process.memoryUsage().rss;
        const a = g.lookup('81.2.69.160');
        const after = process.memoryUsage().rss;
        console.log(JSON.stringify({ a, mode: loadedGeoipMode(), addedMB: (after - before) / 1048576 }));
      });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(out.mode).to.equal('country');
    expect(out.a.geo).to.deep.equal({ country_iso_code: 'GB', country_name: 'United Kingdom' }); // country data has no zone
    expect(out.addedMB).to.be.below(80); // the city data alone is ~140 MB
  });

  describe('MaxMind-format databases', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'gw-mmdb-'));
      writeFileSync(join(dir, 'city.mmdb'), buildMmdb('GeoLite2-City', [
        { network: '198.51.100.0/24', value: {
          country: { iso_code: 'FR', names: { en: 'France' } },
          subdivisions: [{ iso_code: 'IDF', names: { en: 'Île-de-France' } }],
          city: { names: { en: 'Paris' } },
          location: { latitude: { double: 48.8566 }, longitude: { double: 2.3522 }, time_zone: 'Europe/Paris' },
        } },
        { network: '2001:db8:100::/48', value: { country: { iso_code: 'JP', names: { en: 'Japan' } }, location: { time_zone: 'Asia/Tokyo' } } },
      ]));
      writeFileSync(join(dir, 'asn.mmdb'), buildMmdb('GeoLite2-ASN', [
        { network: '198.51.100.0/24', value: { autonomous_system_number: 64500, autonomous_system_organization: 'Example Hosting Ltd' } },
      ]));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reads city and ASN databases written to the public spec', async () => {
      const g = await GeoLookup.create({ cityDb: join(dir, 'city.mmdb'), asnDb: join(dir, 'asn.mmdb') });
      const a = g.lookupUncached('198.51.100.9');
      expect(a.geo).to.deep.equal({
        country_iso_code: 'FR', country_name: 'France', region_iso_code: 'FR-IDF', city_name: 'Paris',
        location: { lat: 48.8566, lon: 2.3522 }, timezone: 'Europe/Paris',
      });
      expect(a.as).to.deep.equal({ number: 64500, organization: { name: 'Example Hosting Ltd' } });
      expect(g.lookupUncached('2001:db8:100::5').geo).to.include({ country_iso_code: 'JP', timezone: 'Asia/Tokyo' });
      expect(g.lookupUncached('192.0.2.1')).to.deep.equal({});
    });

    it('country mode with a city database leaves out city and location', async () => {
      const g = await GeoLookup.create({ mode: 'country', cityDb: join(dir, 'city.mmdb') });
      expect(g.lookupUncached('198.51.100.9').geo).to.deep.equal({ country_iso_code: 'FR', country_name: 'France', timezone: 'Europe/Paris' });
    });
  });
});
