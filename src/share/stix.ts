/**
 * Shared summaries → a STIX 2.1 bundle.
 *
 * Objects: an identity for the member (named only by its member code), one ipv4-addr/ipv6-addr per
 * attacker, one indicator per attacker (`[ipv4-addr:value = '…']`), one attack-pattern per MITRE
 * technique (external reference `mitre-attack`), an `indicates` relationship indicator → attack-pattern,
 * and per summary an observed-data (the counts and times) and a sighting of the indicator by the member.
 * Ids are UUIDv5 of stable names, so the same input gives the same bundle; SCO ids follow the spec's
 * own namespace rule. No internal address appears: victims are only a count.
 */
import type { ShareSummary } from './anonymise';
import { GATEWATCH_NS, STIX_SCO_NS, uuidv5 } from './uuid';

export type StixObject = Record<string, unknown> & { type: string; id: string };
export interface StixBundle { type: 'bundle'; id: string; objects: StixObject[] }

/** The TLP marking definitions published with the STIX 2.1 specification (section 7.2.1.4). */
export const TLP: Record<'white' | 'green' | 'amber' | 'red', { id: string; name: string }> = {
  white: { id: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', name: 'TLP:WHITE' },
  green: { id: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', name: 'TLP:GREEN' },
  amber: { id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', name: 'TLP:AMBER' },
  red: { id: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed', name: 'TLP:RED' },
};

export interface StixOptions {
  /** TLP marking for every object (default amber: share with the members' own organisations only). */
  tlp?: keyof typeof TLP;
}

/** STIX timestamps: created/modified need millisecond precision ("…T14:00:00.000Z"). */
export function stixTime(iso: string): string {
  return new Date(Date.parse(iso)).toISOString();
}

function hourEnd(iso: string): string {
  return new Date(Date.parse(iso) + 3600000 - 1000).toISOString();
}

/** https://attack.mitre.org/techniques/T1110/001/ for T1110.001. */
export function mitreUrl(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

function patternFor(ip: string, v: 4 | 6): string {
  // Addresses are canonical (digits, hex, '.', ':', '/' for a network) so no quote or backslash can appear in the literal.
  return `[${v === 4 ? 'ipv4-addr' : 'ipv6-addr'}:value = '${ip}']`;
}

const STIX_MAX_COUNT = 999999999;
/** created/modified of objects that never change (member identity, attack patterns): a fixed date. */
const STATIC_CREATED = '2026-01-01T00:00:00.000Z';

export function toStix(summaries: ShareSummary[], opts: StixOptions = {}): StixBundle {
  const tlp = TLP[opts.tlp ?? 'amber'];
  const objects: StixObject[] = [];
  const seen = new Set<string>();
  const add = (o: StixObject) => { if (!seen.has(o.id)) { seen.add(o.id); objects.push(o); } };
  const marking = { object_marking_refs: [tlp.id] };

  // Per member: its identity. Per attacker: first/last hour across the summaries (indicator validity).
  const span = new Map<string, { first: string; last: string; v: 4 | 6; members: Set<string> }>();
  for (const s of summaries) {
    // (an IPv6 attacker counted by its network is indicated by the network: ipv6-addr values may be CIDR blocks)
    const k = s.attacker.network ?? s.attacker.ip;
    const cur = span.get(k);
    if (!cur) span.set(k, { first: s.first_hour, last: s.last_hour, v: s.attacker.version, members: new Set([s.member]) });
    else {
      if (s.first_hour < cur.first) cur.first = s.first_hour;
      if (s.last_hour > cur.last) cur.last = s.last_hour;
      cur.members.add(s.member);
    }
  }
  const identityId = (member: string) => `identity--${uuidv5(`member:${member}`)}`;

  for (const s of summaries) {
    add({
      type: 'identity', spec_version: '2.1', id: identityId(s.member),
      created: STATIC_CREATED, modified: STATIC_CREATED,
      name: `gatewatch member ${s.member}`, identity_class: 'organization',
      description: 'A member site of a gatewatch regional hub, identified only by its member code.',
      ...marking,
    });
  }

  for (const [ip, sp] of span) {
    const scoType = sp.v === 4 ? 'ipv4-addr' : 'ipv6-addr';
    add({ type: scoType, spec_version: '2.1', id: `${scoType}--${uuidv5(JSON.stringify({ value: ip }), STIX_SCO_NS)}`, value: ip });
    const creator = sp.members.size === 1 ? identityId([...sp.members][0]!) : undefined;
    add({
      type: 'indicator', spec_version: '2.1', id: `indicator--${uuidv5(`indicator:${[...sp.members].sort().join(',')}:${ip}:${sp.first}`)}`,
      created: stixTime(sp.first), modified: stixTime(sp.last),
      ...(creator ? { created_by_ref: creator } : {}),
      name: `Attacking address ${ip}`,
      description: 'An address that attacked (or was contacted by malware at) gatewatch member sites.',
      indicator_types: ['malicious-activity'],
      pattern: patternFor(ip, sp.v), pattern_type: 'stix', pattern_version: '2.1',
      valid_from: stixTime(sp.first),
      ...marking,
    });
  }

  for (const s of summaries) {
    const ip = s.attacker.network ?? s.attacker.ip;
    const sp = span.get(ip)!;
    const scoType = s.attacker.version === 4 ? 'ipv4-addr' : 'ipv6-addr';
    const scoId = `${scoType}--${uuidv5(JSON.stringify({ value: ip }), STIX_SCO_NS)}`;
    const indicatorId = `indicator--${uuidv5(`indicator:${[...sp.members].sort().join(',')}:${ip}:${sp.first}`)}`;
    const tech = s.mitre.technique;
    const apId = `attack-pattern--${uuidv5(`attack-pattern:${tech.id}`)}`;
    if (tech.id) {
      add({
        type: 'attack-pattern', spec_version: '2.1', id: apId,
        created: STATIC_CREATED, modified: STATIC_CREATED,
        name: tech.name || tech.id,
        external_references: [{ source_name: 'mitre-attack', external_id: tech.id, url: mitreUrl(tech.id) }],
        ...(s.mitre.tactic ? { kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: s.mitre.tactic.toLowerCase().replace(/[^a-z]+/g, '-') }] } : {}),
        ...marking,
      });
      add({
        type: 'relationship', spec_version: '2.1', id: `relationship--${uuidv5(`indicates:${indicatorId}:${apId}`)}`,
        created: stixTime(sp.first), modified: stixTime(sp.last),
        relationship_type: 'indicates', source_ref: indicatorId, target_ref: apId,
        ...marking,
      });
    }
    const count = Math.min(Math.max(s.event_count, 1), STIX_MAX_COUNT);
    const odId = `observed-data--${uuidv5(`observed:${s.member}:${s.id}`)}`;
    const created = stixTime(s.first_hour), modified = stixTime(s.last_hour);
    const custom = {
      x_gatewatch_type: s.type,
      ...(s.subtype ? { x_gatewatch_subtype: s.subtype } : {}),
      x_gatewatch_severity: s.severity,
      ...(s.ports ? { x_gatewatch_ports: s.ports } : {}),
      ...(s.transports ? { x_gatewatch_transports: s.transports } : {}),
      x_gatewatch_victim_count: s.victims.count,
    };
    add({
      type: 'observed-data', spec_version: '2.1', id: odId, created, modified, created_by_ref: identityId(s.member),
      first_observed: stixTime(s.first_hour), last_observed: hourEnd(s.last_hour), number_observed: count,
      object_refs: [scoId], ...marking,
    });
    add({
      type: 'sighting', spec_version: '2.1', id: `sighting--${uuidv5(`sighting:${s.member}:${s.id}`)}`,
      created, modified, created_by_ref: identityId(s.member),
      description: s.text,
      first_seen: stixTime(s.first_hour), last_seen: hourEnd(s.last_hour), count,
      sighting_of_ref: indicatorId, observed_data_refs: [odId], where_sighted_refs: [identityId(s.member)],
      ...custom, ...marking,
    });
  }

  const bundleId = `bundle--${uuidv5(`bundle:${objects.map((o) => o.id).join(',')}`, GATEWATCH_NS)}`;
  return { type: 'bundle', id: bundleId, objects };
}
