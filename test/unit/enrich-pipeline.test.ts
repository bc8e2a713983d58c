import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent, GwEvent } from '../../src/event';
import { Enricher } from '../../src/enrich/pipeline';

function ev(src: string, dst: string): GwEvent {
  const e = newEvent('test', 'test', 'test', '2026-11-23T10:00:00.000Z', 'deny');
  e.source.ip = src;
  e.destination.ip = dst;
  return e;
}

describe('enrich: Enricher (pipeline)', function () {
  this.timeout(30000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-pipe-'));
    // FireHOL level1 style: it lists private space too, which must never match.
    writeFileSync(join(dir, 'level1.netset'), '# bogons and bad\n10.0.0.0/8\n192.168.0.0/16\n203.0.113.0/24\n81.2.69.160\n');
    writeFileSync(join(dir, 'c2.txt'), '8.8.8.8\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sets scope, direction, geo and reputation on both sides', async () => {
    const en = await Enricher.create({ site: { homeNets: ['192.168.0.0/16'] }, feeds: [dir] });
    const inb = en.enrich(ev('81.2.69.160', '192.168.1.10'));
    expect(inb.network.direction).to.equal('inbound');
    expect(inb.source.address_scope).to.equal('public');
    expect(inb.destination.address_scope).to.equal('private');
    expect(inb.source.geo!.country_iso_code).to.equal('GB');
    expect(inb.threat!.enrichments).to.deep.equal([{
      indicator: { ip: '81.2.69.160', type: 'ipv4-addr', provider: 'level1' },
      matched: { field: 'source.ip', atomic: '81.2.69.160', type: 'indicator_match_rule' },
      feed: { name: 'level1' },
    }]);
    // Outbound contact with a bad address is as visible as inbound.
    const out = en.enrich(ev('192.168.1.10', '8.8.8.8'));
    expect(out.network.direction).to.equal('outbound');
    expect(out.threat!.enrichments.map((t) => [t.matched.field, t.indicator.provider])).to.deep.equal([['destination.ip', 'c2']]);
    // The LAN never looks malicious, even though the list names 10/8 and 192.168/16.
    const lan = en.enrich(ev('10.1.1.1', '192.168.1.10'));
    expect(lan.threat).to.equal(undefined);
    expect(lan.network.direction).to.equal('inbound'); // 10/8 is not home in this site
    // Documentation/bogon space stays matchable (a bogon arriving from the internet is spoofed).
    expect(en.enrich(ev('203.0.113.9', '192.168.1.10')).threat!.enrichments).to.have.length(1);
  });

  it('opting in matches local ranges too; geo off leaves geo out', async () => {
    const en = await Enricher.create({ feeds: [join(dir, 'level1.netset')], matchLocalOnFeeds: true, geo: 'off' });
    const lan = en.enrich(ev('10.1.1.1', '81.2.69.160'));
    expect(lan.threat!.enrichments.map((t) => t.matched.field)).to.deep.equal(['source.ip', 'destination.ip']);
    expect(lan.destination.geo).to.equal(undefined);
  });

  it('rejects a bad site configuration', async () => {
    let err: Error | undefined;
    try { await Enricher.create({ site: { homeNets: ['300.1.1.0/24'] } }); } catch (e) { err = e as Error; }
    expect(err?.message).to.match(/300\.1\.1\.0\/24/);
  });
});
