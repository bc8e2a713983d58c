/**
 * Shared summaries → one MISP event (MISP core format, draft-dulaunoy-misp-core-format): the event
 * carries the member as its creating organisation, TLP and MITRE ATT&CK tags, and one attribute per
 * attacker address: `ip-src` for an address that attacked inward, `ip-dst` for a bad remote an
 * internal host contacted (outbound incidents), category "Network activity", to_ids true, with
 * first_seen/last_seen and a neutral comment. No internal address appears.
 */
import type { ShareSummary } from './anonymise';
import { severityRank } from '../detect/incident';
import { uuidv5 } from './uuid';

export interface MispOptions {
  /** 0 your organisation only, 1 this community only (default), 2 connected communities, 3 all communities. */
  distribution?: 0 | 1 | 2 | 3;
  /** TLP tag (default amber). */
  tlp?: 'white' | 'clear' | 'green' | 'amber' | 'red';
  /** Event info line; default built from the member and the period. */
  info?: string;
  /** The member code (names the creating organisation even when there is nothing to share). */
  member?: string;
  /** Event time (epoch seconds) for the `timestamp` field; default: the end of the last hour seen. */
  timestamp?: number;
}

export interface MispAttribute {
  uuid: string;
  type: 'ip-src' | 'ip-dst';
  category: 'Network activity';
  value: string;
  to_ids: boolean;
  distribution: '5';
  comment: string;
  first_seen: string;
  last_seen: string;
  timestamp: string;
  Tag: { name: string }[];
}

export interface MispEvent {
  Event: {
    uuid: string;
    info: string;
    date: string;
    threat_level_id: '1' | '2' | '3' | '4';
    analysis: '0' | '1' | '2';
    distribution: '0' | '1' | '2' | '3';
    published: boolean;
    timestamp: string;
    Orgc: { name: string; uuid: string };
    Tag: { name: string }[];
    Attribute: MispAttribute[];
  };
}

function mispTime(iso: string): string {
  // MISP stores first_seen/last_seen with microseconds and an offset.
  return new Date(Date.parse(iso)).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

function galaxyTag(id: string, name: string): string {
  return `misp-galaxy:mitre-attack-pattern="${name.replace(/"/g, '')} - ${id}"`;
}

export function toMisp(summaries: ShareSummary[], opts: MispOptions = {}): MispEvent {
  const members = [...new Set([...summaries.map((s) => s.member), ...(opts.member ? [opts.member] : [])])].sort();
  const first = summaries.reduce((m, s) => (m === '' || s.first_hour < m ? s.first_hour : m), '');
  const last = summaries.reduce((m, s) => (s.last_hour > m ? s.last_hour : m), '');
  const lastEnd = last ? Math.floor(Date.parse(last) / 1000) + 3599 : Math.floor(Date.now() / 1000);
  const ts = String(opts.timestamp ?? lastEnd);
  const maxRank = summaries.reduce((m, s) => Math.max(m, severityRank(s.severity)), -1);
  const threat: MispEvent['Event']['threat_level_id'] = maxRank >= 2 ? '1' : maxRank === 1 ? '2' : maxRank === 0 ? '3' : '4';

  const eventTags = new Map<string, { name: string }>();
  const tlp = opts.tlp ?? 'amber';
  eventTags.set('tlp', { name: `tlp:${tlp}` });
  eventTags.set('src', { name: 'gatewatch:source="member-sighting"' });

  // One attribute per (direction, address): MISP refuses duplicate type+value pairs in one event.
  const attrs = new Map<string, { s: ShareSummary[] }>();
  for (const s of summaries) {
    const type = s.direction === 'outbound' ? 'ip-dst' : 'ip-src';
    // (an IPv6 attacker counted by its network: the network, which MISP's ip-src/ip-dst take as a CIDR block)
    const k = `${type}|${s.attacker.network ?? s.attacker.ip}`;
    const cur = attrs.get(k);
    if (cur) cur.s.push(s); else attrs.set(k, { s: [s] });
    if (s.mitre.technique.id) {
      const t = galaxyTag(s.mitre.technique.id, s.mitre.technique.name);
      eventTags.set(t, { name: t });
    }
  }
  const eventUuid = uuidv5(`misp-event:${members.join(',')}:${first}:${last}:${summaries.map((s) => s.id).sort().join(',')}`);
  const Attribute: MispAttribute[] = [];
  for (const [k, { s: list }] of attrs) {
    const [type, value] = k.split('|') as ['ip-src' | 'ip-dst', string];
    const f = list.reduce((m, s) => (s.first_hour < m ? s.first_hour : m), list[0]!.first_hour);
    const l = list.reduce((m, s) => (s.last_hour > m ? s.last_hour : m), list[0]!.last_hour);
    const tags = new Map<string, { name: string }>();
    for (const s of list) {
      tags.set(`t:${s.type}`, { name: `gatewatch:incident-type="${s.type}"` });
      if (s.mitre.technique.id) { const t = galaxyTag(s.mitre.technique.id, s.mitre.technique.name); tags.set(t, { name: t }); }
    }
    const events = list.reduce((n, s) => n + s.event_count, 0);
    Attribute.push({
      uuid: uuidv5(`misp-attr:${eventUuid}:${k}`),
      type, category: 'Network activity', value, to_ids: true, distribution: '5',
      comment: list.length === 1 ? list[0]!.text : `${list.length} incidents (${[...new Set(list.map((s) => s.type))].join(', ')}), ${events} events.`,
      first_seen: mispTime(f), last_seen: mispTime(new Date(Date.parse(l) + 3599000).toISOString()),
      timestamp: ts,
      Tag: [...tags.values()],
    });
  }
  const date = (first || new Date(Number(ts) * 1000).toISOString()).slice(0, 10);
  return {
    Event: {
      uuid: eventUuid,
      info: opts.info ?? `gatewatch ${members.join(', ') || 'member'}: ${summaries.length} incident${summaries.length === 1 ? '' : 's'} from ${attrs.size} address${attrs.size === 1 ? '' : 'es'}${first ? `, ${first.slice(0, 13)}h to ${last.slice(0, 13)}h UTC` : ''}`,
      date,
      threat_level_id: threat,
      analysis: '2',
      distribution: String(opts.distribution ?? 1) as MispEvent['Event']['distribution'],
      published: false,
      timestamp: ts,
      Orgc: { name: members.length === 1 ? `gatewatch member ${members[0]}` : 'gatewatch members', uuid: uuidv5(`misp-org:${members.join(',')}`) },
      Tag: [...eventTags.values()],
      Attribute,
    },
  };
}
