import type { Incident } from '../../src/detect/incident';

/** A port scan from a documentation address against two inside machines; override what a test needs. */
export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'portscan-203.0.113.7-1',
    type: 'portscan',
    subtype: 'syn',
    severity: 'high',
    score: 80,
    confidence: 'high',
    attacker: {
      ip: '203.0.113.7',
      geo: { country_iso_code: 'NL' },
      as: { number: 64500, organization: { name: 'Example Hosting BV' } },
      reputation: [
        { indicator: { ip: '203.0.113.7', provider: 'firehol_level1' }, matched: { field: 'source.ip', atomic: '203.0.113.7', type: 'indicator_match_rule' }, feed: { name: 'FireHOL level 1' } },
        { indicator: { ip: '203.0.113.7', provider: 'spamhaus_drop' }, matched: { field: 'source.ip', atomic: '203.0.113.7', type: 'indicator_match_rule' } },
      ],
    },
    victims: [{ ip: '192.168.1.10', ports: [22, 80, 443], count: 40 }, { ip: '192.168.1.20', ports: [3389], count: 12 }],
    first_seen: '2026-11-23T10:00:00.000Z',
    last_seen: '2026-11-23T10:04:00.000Z',
    event_count: 52,
    allowed_count: 0,
    direction: 'inbound',
    mitre: { technique: { id: 'T1046', name: 'Network Service Discovery' }, tactic: 'Discovery' },
    summary: '203.0.113.7 probed 4 ports on 2 of your machines in 4 minutes.',
    advice: 'Nothing got through, so no action is needed now.\nMake sure remote desktop (port 3389) is not open to the internet.',
    status: 'new',
    ...over,
  };
}
