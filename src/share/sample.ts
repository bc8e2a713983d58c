/** A sample incident for the share preview: an inbound port scan that names internal hosts everywhere it can. */
import type { Incident } from '../detect/incident';

export function sampleIncident(): Incident {
  return {
    id: 'portscan:198.51.100.23:sample', type: 'portscan', subtype: 'syn', severity: 'medium', score: 60, confidence: 'high',
    attacker: {
      ip: '198.51.100.23', address_scope: 'public', geo: { country_iso_code: 'NL', city_name: 'Amsterdam' },
      as: { number: 64501, organization: { name: 'Example Hosting B.V.' } },
    },
    victims: [{ ip: '192.168.1.20', ports: [22, 80, 443, 3389], count: 120 }, { ip: '192.168.1.30', ports: [445], count: 30 }],
    first_seen: '2026-11-23T09:14:07.000Z', last_seen: '2026-11-23T09:41:55.000Z', event_count: 150, allowed_count: 0,
    transports: ['tcp'], ports: [22, 80, 443, 445, 3389], direction: 'inbound',
    mitre: { technique: { id: 'T1046', name: 'Network Service Discovery' }, tactic: 'Discovery' },
    summary: '198.51.100.23 (Amsterdam, NL) probed 5 ports on 192.168.1.20 (office-nas) and 192.168.1.30.',
    advice: 'Make sure 192.168.1.20 does not expose remote desktop (3389) to the internet.',
    observers: ['office-router.example.lan'], status: 'new',
  };
}
