/** The hub engine without a broker: validation of hostile input, de-dup, persistence, picture, report, blocklist. */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anonymise, ShareSummary } from '../../src/share/anonymise';
import { Hub, memberFromTopic, validateSummary } from '../../src/share/hub';
import { beacon, bruteforce6, HOME_NETS, portscan, SECRET } from '../helpers/share-incidents';

const NOW = Date.parse('2026-11-25T12:00:00Z'); // a Wednesday
const summaries = (member: string, secret = SECRET) => anonymise([portscan(), bruteforce6(), beacon()], { member, secret, homeNets: HOME_NETS }).summaries;

describe('hub: validateSummary (hostile input)', () => {
  const good = summaries('A1')[0]!;
  it('accepts a summary as object, JSON text or Buffer, rebuilt from known fields only', () => {
    expect(validateSummary(good)).to.deep.equal(good);
    expect(validateSummary(JSON.stringify(good))).to.deep.equal(good);
    expect(validateSummary(Buffer.from(JSON.stringify({ ...good, evil: 'x'.repeat(100) })))).to.deep.equal(good);
  });
  it('rejects anything malformed or carrying an internal attacker', () => {
    const bad: unknown[] = [
      null, 42, 'not json', '[]', { ...good, schema: 'other' }, { ...good, id: 'ZZZ' }, { ...good, member: 'a b' },
      { ...good, type: '<script>' }, { ...good, severity: 'extreme' }, { ...good, attacker: { ip: '10.1.2.3' } },
      { ...good, attacker: { ip: 'fe80::1' } }, { ...good, attacker: { ip: '999.1.1.1' } }, { ...good, first_hour: 'x' },
      { ...good, last_hour: '2020-01-01T00:00:00Z' }, { ...good, event_count: -1 }, { ...good, event_count: 1.5 },
      JSON.stringify({ ...good, text: 'x'.repeat(20000) }),
    ];
    for (const b of bad) expect(validateSummary(b), JSON.stringify(b)?.slice(0, 80)).to.equal(null);
  });
  it('strips control characters and bounds free text', () => {
    const s = validateSummary({ ...good, text: 'a\u0000b\u001b[31m' + 'c'.repeat(1000), attacker: { ...good.attacker, country: 'nl', as_org: 'X\nY' } })!;
    expect(s.text.startsWith('ab[31m')).to.equal(true);
    expect(s.text.length).to.equal(300);
    expect(s.attacker.country).to.equal(undefined);
    expect(s.attacker.as_org).to.equal('XY');
  });
});

describe('hub: engine', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'gw-hubu-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('de-duplicates by member + id: repeats and older versions change nothing, growth replaces', () => {
    const hub = new Hub({ now: () => NOW });
    const [a] = summaries('A1');
    expect(hub.ingest(a).result).to.equal('new');
    expect(hub.ingest(JSON.stringify(a)).result).to.equal('duplicate');
    const grown: ShareSummary = { ...a!, event_count: a!.event_count + 10, last_hour: '2026-11-23T13:00:00Z' };
    expect(hub.ingest(grown).result).to.equal('update');
    expect(hub.ingest(a).result).to.equal('stale');
    expect(hub.ingest({ ...a, member: 'B2' }).result).to.equal('new');
    expect(hub.ingest('garbage').result).to.equal('invalid');
    const st = hub.stats();
    expect(st).to.deep.include({ summaries: 2, members: 2, attackers: 1, received: 6, duplicates: 1, stale: 1, invalid: 1, updates: 1 });
    expect(hub.summaries().find((s) => s.member === 'A1')!.event_count).to.equal(a!.event_count + 10);
    hub.close();
  });

  it('refuses a summary that claims another member than the topic it came on', () => {
    const hub = new Hub({ now: () => NOW });
    const [a] = summaries('A1');
    expect(memberFromTopic('gatewatch/share/A1')).to.equal('A1');
    expect(memberFromTopic('gatewatch/share/bad code')).to.equal(undefined);
    expect(memberFromTopic('other/topic')).to.equal(undefined);
    expect(hub.ingest(a, 'B2').result).to.equal('invalid');
    expect(hub.ingestBatch([a, a], ['B2', 'A1']).map((r) => r.result)).to.deep.equal(['invalid', 'new']);
    hub.close();
  });

  it('reports a newly seen attacker once', () => {
    const hub = new Hub({ now: () => NOW });
    const [a] = summaries('A1');
    const [b] = summaries('B2');
    expect(hub.ingest(a).newAttacker).to.equal(true);
    expect(hub.ingest(b).newAttacker).to.equal(false);
    hub.close();
  });

  it('keeps everything across a restart (SQLite file)', () => {
    const path = join(dir, 'hub.sqlite');
    let hub = new Hub({ path, now: () => NOW });
    hub.ingestMany([...summaries('A1'), ...summaries('B2'), 'junk']);
    const before = { stats: hub.stats(), pic: hub.picture({ from: '2026-11-20T00:00:00Z', to: '2026-11-27T00:00:00Z' }) };
    hub.close();
    hub = new Hub({ path, now: () => NOW });
    expect(hub.stats()).to.deep.equal(before.stats);
    expect(hub.picture({ from: '2026-11-20T00:00:00Z', to: '2026-11-27T00:00:00Z' })).to.deep.equal(before.pic);
    expect(hub.ingestMany(summaries('A1'))).to.deep.equal({ new: 0, update: 0, duplicate: 3, stale: 0, invalid: 0, 'over-quota': 0 });
    hub.close();
  });

  it('builds the regional picture: top attackers by members hit, types, countries, trend, new attackers', () => {
    const hub = new Hub({ now: () => NOW });
    hub.ingestMany([...summaries('A1'), ...summaries('B2'), ...summaries('C3').slice(0, 1)]);
    const p = hub.picture({ from: '2026-11-20T00:00:00Z', to: '2026-11-27T00:00:00Z' });
    expect(p.totals).to.deep.equal({ incidents: 7, events: 50 * 3 + 300 * 2 + 241 * 2, members: 3, attackers: 3 });
    expect(p.topAttackers[0]).to.deep.include({ ip: '198.51.100.7', members: 3, incidents: 3, events: 150, country: 'NL', types: ['portscan'] });
    expect(p.byType.map((t) => [t.type, t.incidents, t.members])).to.deep.equal([['portscan', 3, 3], ['beacon', 2, 2], ['bruteforce', 2, 2]]);
    expect(p.byCountry.map((c) => c.country)).to.have.members(['NL', 'US', 'RU']);
    expect(p.trend).to.deep.include({ day: '2026-11-22', type: 'beacon', incidents: 2, events: 482 });
    expect(p.trendCountry).to.deep.include({ day: '2026-11-23', country: 'NL', incidents: 3, attackers: 1 });
    expect(p.newAttackers.count).to.equal(3);
    // A week later the same attackers are no longer "new".
    const later = hub.picture({ from: '2026-11-24T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    expect(later.newAttackers.count).to.equal(0);
    hub.close();
  });

  it('counts an IPv6 attacker that sites counted by its /64 as one attacker, whatever address each site saw', () => {
    const hub = new Hub({ now: () => NOW });
    const at = (member: string, ip: string, network?: string) => anonymise([bruteforce6({ id: `bf-${member}`, attacker: { ip, network, geo: { country_iso_code: 'US' } } })], { member, secret: SECRET, homeNets: HOME_NETS }).summaries[0]!;
    const a = at('A1', '2001:db8:ffff:7:1::9', '2001:db8:ffff:7::/64');
    const b = at('B2', '2001:db8:ffff:7:2::44', '2001:db8:ffff:7::/64');
    expect([a.attacker.network, b.attacker.network]).to.deep.equal(['2001:db8:ffff:7::/64', '2001:db8:ffff:7::/64']);
    expect(a.text).to.contain('2001:db8:ffff:7::/64 in US targeted');
    expect(hub.ingest(a).newAttacker).to.equal(true);
    expect(hub.ingest(b).newAttacker).to.equal(false);
    const p = hub.picture({ from: '2026-11-20T00:00:00Z', to: '2026-11-27T00:00:00Z' });
    expect(p.topAttackers.map((t) => [t.ip, t.members])).to.deep.equal([['2001:db8:ffff:7::/64', 2]]);
    expect(hub.blocklist().split('\n').filter((l) => l && !l.startsWith('#'))).to.deep.equal(['2001:db8:ffff:7::/64']);
    // A network that does not hold the address, an IPv4 "network" or junk is not taken (by the site or the hub).
    expect(at('C3', '2001:db8:ffff:7:3::1', '2001:db8:eeee::/64').attacker.network).to.equal(undefined);
    expect(at('C3', '2001:db8:ffff:7:3::1', '2001:db8:ffff:7:3::1').attacker.network).to.equal(undefined);
    expect(at('C3', '2001:db8:ffff:7:3::1', '::/0').attacker.network).to.equal(undefined);
    const forged = validateSummary({ ...b, id: 'ab'.repeat(12), attacker: { ...b.attacker, network: '2001:db8:eeee::/64' } });
    expect(forged!.attacker.network).to.equal(undefined);
    hub.close();
  });

  it('writes the weekly report (text and HTML, escaped) for the last whole week', () => {
    const hub = new Hub({ now: () => Date.parse('2026-11-30T09:00:00Z') });
    hub.ingestMany([...summaries('A1'), ...summaries('B2')]);
    const r = hub.weeklyReport({ region: 'North <West>' });
    expect(r.picture.from).to.equal('2026-11-23T00:00:00.000Z');
    expect(r.picture.to).to.equal('2026-11-30T00:00:00.000Z');
    expect(r.text).to.contain('gatewatch regional report for North <West>: 2026-11-23 to 2026-11-30');
    expect(r.text).to.contain('198.51.100.7');
    expect(r.html).to.contain('North &lt;West&gt;').and.not.contain('<West>');
    expect(r.html).to.contain('<td>2001:db8:ffff::9</td>');
    // Week on week: the beacon spans both weeks, the scan is new.
    expect(r.change).to.deep.include({ type: 'beacon', now: 2, before: 2 });
    expect(r.change).to.deep.include({ type: 'portscan', now: 2, before: 0 });
    expect(r.text).to.match(/portscan .* new this week/).and.match(/beacon .* no change/);
    hub.close();
  });

  it('publishes a blocklist in the plain IP list format', () => {
    const hub = new Hub({ now: () => NOW });
    const [ps] = summaries('A1');
    hub.ingest(ps); // medium, one member: not listed yet
    let ips = hub.blocklist().split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ips).to.deep.equal([]);
    hub.ingest(summaries('B2')[0]); // a second member: listed
    hub.ingest(summaries('A1')[1]); // high severity bruteforce: listed at once
    ips = hub.blocklist().split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ips).to.have.members(['198.51.100.7', '2001:db8:ffff::9']);
    expect(hub.blocklist({ minMembers: 3 }).split('\n').filter((l) => l && !l.startsWith('#'))).to.deep.equal(['2001:db8:ffff::9']);
    expect(hub.blocklist({ days: 1 }).split('\n').filter((l) => l && !l.startsWith('#'))).to.deep.equal([]);
    hub.close();
  });

  it('caps what one member can store, so it cannot crowd out the others', () => {
    const hub = new Hub({ now: () => NOW, maxPerMember: 2 });
    const [a, b, c] = summaries('A1');
    expect(hub.ingestBatch([a, b, c]).map((r) => r.result)).to.deep.equal(['new', 'new', 'over-quota']);
    expect(hub.ingest({ ...a!, event_count: a!.event_count + 1 }).result).to.equal('update'); // updates still count
    expect(hub.ingest(summaries('B2')[0]).result).to.equal('new');
    expect(hub.stats()).to.deep.include({ summaries: 3, overQuota: 1 });
    expect(hub.quickStats()).to.deep.equal({ summaries: 3, members: 2, attackers: 2 });
    hub.close();
  });

  it('prunes past retention and beyond the cap', () => {
    const hub = new Hub({ now: () => NOW, retentionDays: 2, maxSummaries: 2 });
    hub.ingestMany([...summaries('A1'), ...summaries('B2')]); // last hours 2026-11-23 (2 days before NOW) …
    const gone = hub.prune();
    expect(gone).to.be.greaterThan(0);
    expect(hub.stats().summaries).to.be.at.most(2);
    hub.close();
  });
});
