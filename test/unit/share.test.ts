/**
 * The share path on hand-made incidents: anonymisation (what leaves, what never does), the STIX 2.1
 * bundle checked against the spec's required properties, the MISP event, CSV/JSON rows.
 */
import { expect } from 'chai';
import { addressTokens, anonymise, Anonymiser, findLeaks, hourOf, sensitive } from '../../src/share/anonymise';
import { csvCell, toCsv, toRows } from '../../src/share/csv';
import { renderExport, FORMATS } from '../../src/share/export';
import { toMisp } from '../../src/share/misp';
import { mitreUrl, toStix } from '../../src/share/stix';
import { uuidv5 } from '../../src/share/uuid';
import { beacon, bruteforce6, HOME_NETS, internal, OBSERVER, portscan, SECRET } from '../helpers/share-incidents';
import { validateBundle, validateObject } from '../helpers/stix-validator';

const incidents = () => [portscan(), bruteforce6(), beacon(), internal()];
const opts = { member: 'NW-0042', secret: SECRET, homeNets: HOME_NETS };

describe('share: anonymise', () => {
  it('keeps the external attacker, type, technique, counts and hour-rounded times', () => {
    const { summaries, skipped } = anonymise(incidents(), opts);
    expect(summaries).to.have.length(3);
    expect(skipped).to.deep.equal({ type: 0, severity: 0, internalAttacker: 1, invalid: 0 });
    const ps = summaries.find((s) => s.type === 'portscan')!;
    expect(ps.attacker).to.deep.include({ ip: '198.51.100.7', version: 4, country: 'NL', asn: 64500, reputation_hits: 1 });
    expect(ps.subtype).to.equal('syn');
    expect(ps.mitre.technique).to.deep.equal({ id: 'T1046', name: 'Network Service Discovery' });
    expect(ps.ports).to.deep.equal([22, 23, 80, 443]);
    expect(ps.transports).to.deep.equal(['tcp']);
    expect(ps.event_count).to.equal(50);
    expect(ps.first_hour).to.equal('2026-11-23T10:00:00Z');
    expect(ps.last_hour).to.equal('2026-11-23T11:00:00Z');
    expect(ps.member).to.equal('NW-0042');
    expect(ps.victims.count).to.equal(2);
    expect(ps.victims.pseudonyms).to.have.length(2);
    for (const p of ps.victims.pseudonyms!) expect(p).to.match(/^h-[0-9a-f]{12}$/);
    const bf = summaries.find((s) => s.type === 'bruteforce')!;
    expect(bf.attacker.ip).to.equal('2001:db8:ffff::9');
    expect(bf.attacker.version).to.equal(6);
  });

  it('for outbound incidents the attacker is the external remote and the internal host is only a pseudonym', () => {
    const { summaries } = anonymise([beacon()], opts);
    const b = summaries[0]!;
    expect(b.direction).to.equal('outbound');
    expect(b.attacker.ip).to.equal('203.0.113.200');
    expect(b.victims.pseudonyms).to.deep.equal([new Anonymiser(opts).pseudonym('10.20.3.4')]);
    expect(b.text).to.contain('contacted 203.0.113.200');
  });

  it('pseudonyms are keyed: same with the same secret, different with another, absent when dropping', () => {
    const a = new Anonymiser(opts), b = new Anonymiser(opts), c = new Anonymiser({ ...opts, secret: 'other' });
    expect(a.pseudonym('192.168.10.5')).to.equal(b.pseudonym('192.168.10.5'));
    expect(a.pseudonym('192.168.10.5')).to.not.equal(c.pseudonym('192.168.10.5'));
    expect(a.summaryId('x')).to.equal(b.summaryId('x')).and.to.match(/^[0-9a-f]{24}$/);
    const d = anonymise([portscan()], { ...opts, victims: 'drop' }).summaries[0]!;
    expect(d.victims).to.deep.equal({ count: 2 });
    // No secret: victims dropped by default, ids random per run.
    const n1 = anonymise([portscan()], { member: 'X1' }).summaries[0]!, n2 = anonymise([portscan()], { member: 'X1' }).summaries[0]!;
    expect(n1.victims.pseudonyms).to.equal(undefined);
    expect(n1.id).to.not.equal(n2.id);
  });

  it('never copies free text, observer names, details or feed names; regenerates a neutral sentence', () => {
    const text = JSON.stringify(anonymise(incidents(), opts).summaries);
    for (const bad of [OBSERVER, 'alice', 'nas.acme.local', 'firehol', '/home/acme', 'laptop-bob', 'Amsterdam', 'HYPERLINK("http', 'advice', 'observers', 'details']) {
      expect(text, bad).to.not.contain(bad);
    }
    const s = anonymise([portscan()], opts).summaries[0]!;
    expect(s.text).to.equal('medium port scan (syn): 198.51.100.7 in NL targeted 2 internal hosts on 4 ports, 50 events between 2026-11-23T10:00:00Z and 2026-11-23T11:00:00Z (T1046).');
  });

  it('filters by type and minimum severity, and can leave out ports and geo', () => {
    let r = anonymise(incidents(), { ...opts, types: ['portscan', 'beacon'] });
    expect(r.summaries.map((s) => s.type).sort()).to.deep.equal(['beacon', 'portscan']);
    expect(r.skipped.type).to.equal(2);
    r = anonymise(incidents(), { ...opts, minSeverity: 'high' });
    expect(r.summaries.map((s) => s.type).sort()).to.deep.equal(['beacon', 'bruteforce']);
    const s = anonymise([portscan()], { ...opts, includePorts: false, includeGeo: false }).summaries[0]!;
    expect(s.ports).to.equal(undefined);
    expect(s.attacker.country).to.equal(undefined);
    expect(s.attacker.asn).to.equal(undefined);
  });

  it('never shares a router that stopped logging (about this site\'s own box, not threat intelligence)', () => {
    const quiet = { ...portscan(), id: 'ls', type: 'log-silence', attacker: { ip: '198.51.100.1' }, victims: [] };
    const r = anonymise([quiet, portscan()], opts);
    expect(r.summaries.map((s) => s.type)).to.deep.equal(['portscan']);
    expect(r.skipped.type).to.equal(1);
  });

  it('refuses an attacker inside the home nets or with a non-public scope, and bad input', () => {
    const r = anonymise([
      portscan({ attacker: { ip: '203.0.113.65' } }), // the site's own public range
      portscan({ attacker: { ip: '198.51.100.9', address_scope: 'cgnat' } }),
      portscan({ attacker: { ip: 'not-an-ip' } }),
      portscan({ first_seen: 'yesterday' }),
      portscan({ attacker: { ip: '::ffff:192.168.10.5' } }), // IPv4-mapped internal address
      { nonsense: true } as never,
    ], opts);
    expect(r.summaries).to.have.length(0);
    expect(r.skipped).to.deep.equal({ type: 0, severity: 0, internalAttacker: 3, invalid: 3 });
    const mapped = anonymise([portscan({ attacker: { ip: '::FFFF:198.51.100.7' } })], opts).summaries[0]!;
    expect(mapped.attacker).to.deep.include({ ip: '198.51.100.7', version: 4 });
  });

  it('keeps the latest version of a growing incident (same summary id)', () => {
    const r = anonymise([portscan(), portscan({ event_count: 90, last_seen: '2026-11-23T12:30:00Z' })], opts);
    expect(r.summaries).to.have.length(1);
    expect(r.summaries[0]!.event_count).to.equal(90);
  });

  it('rejects a bad member code', () => {
    expect(() => new Anonymiser({ member: 'has space' })).to.throw(/member code/);
    expect(() => new Anonymiser({ member: '' })).to.throw(/member code/);
  });

  it('hourOf and addressTokens', () => {
    expect(hourOf('2026-11-23T10:59:59.999Z')).to.equal('2026-11-23T10:00:00Z');
    expect(hourOf('nope')).to.equal(undefined);
    expect(addressTokens('a 192.168.1.1:443, [2001:db8::1]:80 and 10.0.0.1. deadbeef 1.2.3')).to.deep.equal(['192.168.1.1', '2001:db8::1', '10.0.0.1']);
  });

  it('findLeaks spots internal addresses and forbidden strings in any export', () => {
    const a = new Anonymiser(opts);
    expect(findLeaks('x 192.168.10.77 y', (ip) => a.isInternal(ip))).to.deep.equal(['192.168.10.77']);
    expect(findLeaks('x ::ffff:10.1.2.3 y', (ip) => a.isInternal(ip))).to.deep.equal(['::ffff:10.1.2.3']);
    expect(findLeaks('x 198.51.100.7 110.0.0.12 y', (ip) => a.isInternal(ip), ['fw1'], ['10.0.0.1'])).to.deep.equal([]);
    const inc = incidents();
    const { victims, forbidden } = sensitive(inc, SECRET);
    const summaries = anonymise(inc, opts).summaries;
    for (const f of FORMATS) {
      expect(findLeaks(renderExport(summaries, f), (ip) => a.isInternal(ip), forbidden, victims), f).to.deep.equal([]);
    }
  });
});

describe('share: STIX 2.1', () => {
  const summaries = anonymise(incidents(), opts).summaries;

  it('uuidv5 matches the RFC test vector', () => {
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).to.equal('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('the bundle passes the spec validator, with every reference resolved', () => {
    const b = toStix(summaries);
    expect(validateBundle(b)).to.deep.equal([]);
    const types = b.objects.map((o) => o.type);
    for (const t of ['identity', 'indicator', 'ipv4-addr', 'ipv6-addr', 'attack-pattern', 'relationship', 'observed-data', 'sighting']) expect(types, t).to.include(t);
  });

  it('has the indicator patterns, MITRE references and sighting counts', () => {
    const b = toStix(summaries);
    const ind = b.objects.filter((o) => o.type === 'indicator').map((o) => o.pattern).sort();
    expect(ind).to.deep.equal(["[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value = '203.0.113.200']", "[ipv6-addr:value = '2001:db8:ffff::9']"]);
    const ap = b.objects.find((o) => o.type === 'attack-pattern' && (o.external_references as { external_id: string }[])[0]!.external_id === 'T1110.001')!;
    expect(ap.external_references).to.deep.equal([{ source_name: 'mitre-attack', external_id: 'T1110.001', url: 'https://attack.mitre.org/techniques/T1110/001/' }]);
    expect(mitreUrl('T1046')).to.equal('https://attack.mitre.org/techniques/T1046/');
    const sight = b.objects.find((o) => o.type === 'sighting' && o.x_gatewatch_type === 'portscan')!;
    expect(sight.count).to.equal(50);
    expect(sight.first_seen).to.equal('2026-11-23T10:00:00.000Z');
    expect(sight.last_seen).to.equal('2026-11-23T11:59:59.000Z');
    const ind198 = b.objects.find((o) => o.pattern === "[ipv4-addr:value = '198.51.100.7']")!;
    expect(sight.sighting_of_ref).to.equal(ind198.id);
    const rel = b.objects.find((o) => o.type === 'relationship' && o.source_ref === ind198.id)!;
    expect(rel.relationship_type).to.equal('indicates');
  });

  it('indicates an IPv6 attacker counted by its network by the network (a CIDR value), in STIX and MISP', () => {
    const six = anonymise([bruteforce6({ attacker: { ip: '2001:db8:ffff:7::9', network: '2001:db8:ffff:7::/64' } })], opts).summaries;
    const b = toStix(six);
    expect(validateBundle(b)).to.deep.equal([]);
    expect(b.objects.filter((o) => o.type === 'indicator').map((o) => o.pattern)).to.deep.equal(["[ipv6-addr:value = '2001:db8:ffff:7::/64']"]);
    expect(b.objects.filter((o) => o.type === 'ipv6-addr').map((o) => o.value)).to.deep.equal(['2001:db8:ffff:7::/64']);
    const m = toMisp(six);
    expect(m.Event.Attribute.map((a) => [a.type, a.value])).to.deep.equal([['ip-src', '2001:db8:ffff:7::/64']]);
    // The validator still refuses a network written loosely.
    const loose = JSON.parse(JSON.stringify(b).split('2001:db8:ffff:7::/64').join('2001:db8:ffff:7::1/64'));
    expect(validateBundle(loose).join('\n')).to.match(/not a canonical ipv6-addr/);
  });

  it('is deterministic: the same summaries give the same bundle', () => {
    expect(JSON.stringify(toStix(summaries))).to.equal(JSON.stringify(toStix(anonymise(incidents(), opts).summaries)));
  });

  it('the validator catches broken objects (it can fail)', () => {
    const good = toStix(summaries).objects.find((o) => o.type === 'indicator')!;
    const broken = (patch: Record<string, unknown>) => validateObject({ ...good, ...patch });
    expect(broken({ id: 'indicator--nope' })).to.not.deep.equal([]);
    expect(broken({ created: '2026-11-23T10:00:00Z' })).to.not.deep.equal([]);
    expect(broken({ spec_version: '2.0' })).to.not.deep.equal([]);
    expect(broken({ pattern: undefined })).to.not.deep.equal([]);
    expect(broken({ valid_from: 'monday' })).to.not.deep.equal([]);
    expect(validateObject({ type: 'sighting', spec_version: '2.1', id: 'sighting--' + uuidv5('x'), created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', count: -1 })).to.have.length(3);
    expect(validateBundle({ type: 'bundle', id: 'bundle--' + uuidv5('y'), objects: [{ ...good, created_by_ref: 'identity--' + uuidv5('z') }] })).to.have.length(1);
  });
});

describe('share: MISP', () => {
  it('builds an event with ip-src/ip-dst attributes in Network activity', () => {
    const m = toMisp(anonymise(incidents(), opts).summaries);
    const e = m.Event;
    expect(e.threat_level_id).to.equal('1');
    expect(e.analysis).to.equal('2');
    expect(e.distribution).to.equal('1');
    expect(e.date).to.equal('2026-11-22');
    expect(e.Orgc.name).to.equal('gatewatch member NW-0042');
    expect(e.Tag.map((t) => t.name)).to.include('tlp:amber').and.to.include('misp-galaxy:mitre-attack-pattern="Network Service Discovery - T1046"');
    const byVal = Object.fromEntries(e.Attribute.map((a) => [a.value, a]));
    expect(byVal['198.51.100.7']!.type).to.equal('ip-src');
    expect(byVal['203.0.113.200']!.type).to.equal('ip-dst');
    expect(byVal['2001:db8:ffff::9']!.type).to.equal('ip-src');
    for (const a of e.Attribute) {
      expect(a.category).to.equal('Network activity');
      expect(a.to_ids).to.equal(true);
      expect(a.uuid).to.match(/^[0-9a-f-]{36}$/);
      expect(Date.parse(a.last_seen)).to.be.greaterThan(Date.parse(a.first_seen));
    }
    expect(byVal['198.51.100.7']!.first_seen).to.equal('2026-11-23T10:00:00.000000+00:00');
  });
});

describe('share: CSV and JSON rows', () => {
  it('quotes per RFC 4180 and guards against formula injection', () => {
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('=1+2')).to.equal("'=1+2");
    expect(csvCell('+1')).to.equal("'+1");
    expect(csvCell('-cmd')).to.equal("'-cmd");
    expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvCell('=HYPERLINK("x"),y')).to.equal('"\'=HYPERLINK(""x""),y"');
    expect(csvCell(42)).to.equal('42');
    expect(csvCell('line\nbreak')).to.equal('"line\nbreak"');
  });

  it('writes one row per summary with a hostile AS name neutralised', () => {
    const summaries = anonymise([portscan({ attacker: { ...portscan().attacker, as: { number: 1, organization: { name: '-cmd|calc' } } } })], opts).summaries;
    const csv = toCsv(summaries);
    const lines = csv.trim().split('\r\n');
    expect(lines).to.have.length(2);
    expect(lines[0]!.split(',')[0]).to.equal('member');
    expect(lines[1]).to.contain(",'-cmdcalc,");
    const rows = toRows(summaries);
    expect(rows[0]!.attacker_ip).to.equal('198.51.100.7');
    expect(rows[0]!.attacker_network).to.equal('');
    expect(rows[0]!.ports).to.equal('22;23;80;443');
    const six = toRows(anonymise([bruteforce6({ attacker: { ip: '2001:db8:ffff:7::9', network: '2001:db8:ffff:7::/64' } })], opts).summaries);
    expect([six[0]!.attacker_ip, six[0]!.attacker_network]).to.deep.equal(['2001:db8:ffff:7::9', '2001:db8:ffff:7::/64']);
    expect(lines[0]!.split(',').pop()).to.equal('attacker_network');
    expect(JSON.parse(renderExport(summaries, 'json'))[0].summary_id).to.equal(summaries[0]!.id);
  });
});
