/** Hand-made incidents for share/hub tests (documentation address ranges outside, RFC 1918 inside). */
import type { Incident } from '../../src/detect/incident';

export const HOME_NETS = ['192.168.10.0/24', '10.20.0.0/16', '2001:db8:aaaa::/48', '203.0.113.64/29'];
export const OBSERVER = 'fw-head-office.acme.example';
export const SECRET = 's3cret-site-key-0123456789';

export function portscan(over: Partial<Incident> = {}): Incident {
  return {
    id: 'portscan:198.51.100.7:2026-11-23T10', type: 'portscan', subtype: 'syn', severity: 'medium', score: 55, confidence: 'high',
    attacker: {
      ip: '198.51.100.7', address_scope: 'public', geo: { country_iso_code: 'NL', city_name: 'Amsterdam' },
      as: { number: 64500, organization: { name: '=HYPERLINK("http://evil.example") Hosting' } },
      reputation: [{ indicator: { ip: '198.51.100.7', provider: '/home/acme/feeds/firehol.txt' }, matched: { field: 'source.ip', atomic: '198.51.100.7', type: 'indicator_match_rule' } }],
    },
    victims: [{ ip: '192.168.10.5', ports: [22, 23, 80], count: 40 }, { ip: '203.0.113.66', ports: [443], count: 10 }],
    first_seen: '2026-11-23T10:17:03.120Z', last_seen: '2026-11-23T11:02:59.000Z', event_count: 50, allowed_count: 2,
    transports: ['tcp'], ports: [22, 23, 80, 443], direction: 'inbound',
    mitre: { technique: { id: 'T1046', name: 'Network Service Discovery' }, tactic: 'Discovery' },
    summary: '198.51.100.7 scanned 192.168.10.5 and 203.0.113.66 (fw-head-office.acme.example)',
    advice: 'Check 192.168.10.5 for open ports; user alice@acme.example logged in from it.',
    observers: [OBSERVER], status: 'new', details: { rate: 12, internal: '192.168.10.5', host: 'nas.acme.local' },
    ...over,
  };
}

export function bruteforce6(over: Partial<Incident> = {}): Incident {
  return {
    id: 'bruteforce:2001:db8:ffff::9', type: 'bruteforce', subtype: 'ssh', severity: 'high', score: 80, confidence: 'medium',
    attacker: { ip: '2001:DB8:FFFF:0:0:0:0:9', geo: { country_iso_code: 'US' } },
    victims: [{ ip: '2001:db8:aaaa::22', ports: [22] }],
    first_seen: '2026-11-23T09:00:00Z', last_seen: '2026-11-23T09:59:00Z', event_count: 300,
    transports: ['tcp'], ports: [22], direction: 'inbound',
    mitre: { technique: { id: 'T1110.001', name: 'Password Guessing' }, tactic: 'Credential Access' },
    summary: 'ssh login attempts for root on 2001:db8:aaaa::22', advice: 'use keys', observers: ['gw2.acme.example'],
    ...over,
  };
}

export function beacon(over: Partial<Incident> = {}): Incident {
  return {
    id: 'beacon:10.20.3.4:203.0.113.200', type: 'beacon', severity: 'critical', score: 95, confidence: 'high',
    attacker: { ip: '203.0.113.200', address_scope: 'public', geo: { country_iso_code: 'RU' } },
    victims: [{ ip: '10.20.3.4', ports: [8443] }],
    first_seen: '2026-11-22T23:59:59Z', last_seen: '2026-11-23T04:00:01Z', event_count: 241,
    transports: ['tcp'], ports: [8443], direction: 'outbound',
    mitre: { technique: { id: 'T1071', name: 'Application Layer Protocol' }, tactic: 'Command and Control' },
    summary: 'laptop-bob (10.20.3.4) calls 203.0.113.200 every 60 s', advice: 'isolate 10.20.3.4', observers: [OBSERVER],
    ...over,
  };
}

/** An "attack" from inside (internal direction): must never be shared. */
export function internal(over: Partial<Incident> = {}): Incident {
  return {
    id: 'sweep:192.168.10.9', type: 'sweep', severity: 'low', score: 20, confidence: 'low',
    attacker: { ip: '192.168.10.9' }, victims: [{ ip: '192.168.10.1', ports: [445] }],
    first_seen: '2026-11-23T08:00:00Z', last_seen: '2026-11-23T08:10:00Z', event_count: 30, direction: 'internal',
    mitre: { technique: { id: 'T1018', name: 'Remote System Discovery' }, tactic: 'Discovery' }, summary: 'x', advice: 'y',
    ...over,
  };
}
