/**
 * Simulated member sites for hub tests: each has its own home networks, secret and gateway name, and
 * a deterministic list of incidents (attackers drawn from a shared pool so members overlap), turned
 * into the messages it would publish: first versions, grown versions, exact repeats and stale repeats.
 */
import type { Incident, Severity } from '../../src/detect/incident';
import { Anonymiser, ShareSummary } from '../../src/share/anonymise';
import { rng } from '../../bench/gen';
export { rng };

export interface Member {
  code: string;
  secret: string;
  homeNets: string[];
  observer: string;
  incidents: Incident[];
  /** What it publishes, in order (JSON of summaries). */
  messages: string[];
  internalIps: string[];
}

const TYPES: { type: string; tech: [string, string, string]; sev: Severity; dir: 'inbound' | 'outbound' }[] = [
  { type: 'portscan', tech: ['T1046', 'Network Service Discovery', 'Discovery'], sev: 'medium', dir: 'inbound' },
  { type: 'bruteforce', tech: ['T1110.001', 'Password Guessing', 'Credential Access'], sev: 'high', dir: 'inbound' },
  { type: 'sweep', tech: ['T1595.001', 'Scanning IP Blocks', 'Reconnaissance'], sev: 'low', dir: 'inbound' },
  { type: 'known-bad-outbound', tech: ['T1071', 'Application Layer Protocol', 'Command and Control'], sev: 'critical', dir: 'outbound' },
  { type: 'exposed-service', tech: ['T1190', 'Exploit Public-Facing Application', 'Initial Access'], sev: 'low', dir: 'inbound' },
];
const COUNTRIES = ['NL', 'US', 'CN', 'RU', 'BR', 'DE', 'IN', 'VN'];


export function attackerPool(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 5 === 4) out.push(`2001:db8:ffff::${(i + 1).toString(16)}`);
    else if (i % 2 === 0) out.push(`198.51.100.${(i % 250) + 1}`);
    else out.push(`203.0.113.${128 + (i % 120)}`);
  }
  return out;
}

export function makeMembers(count: number, perMember: number, seed = 42): Member[] {
  const pool = attackerPool(60);
  const r = rng(seed);
  const members: Member[] = [];
  const base = Date.parse('2026-11-16T00:00:00Z');
  for (let m = 0; m < count; m++) {
    const code = `M${String(m + 1).padStart(3, '0')}`;
    const homeNets = [`10.${m}.0.0/16`, `192.168.${m}.0/24`, `2001:db8:aaaa:${m.toString(16)}::/64`];
    const internalIps = [`10.${m}.1.10`, `10.${m}.2.20`, `192.168.${m}.5`, `2001:db8:aaaa:${m.toString(16)}::25`];
    const observer = `gw-${code.toLowerCase()}.site.example`;
    const secret = `member-secret-${code}-${Math.floor(r() * 1e9)}`;
    const anon = new Anonymiser({ member: code, secret, homeNets });
    const incidents: Incident[] = [];
    const messages: string[] = [];
    const later: string[] = [];
    for (let k = 0; k < perMember; k++) {
      const t = TYPES[Math.floor(r() * TYPES.length)]!;
      const attacker = pool[Math.floor(r() * pool.length)]!;
      const victim = internalIps[Math.floor(r() * internalIps.length)]!;
      const start = base + Math.floor(r() * 7 * 24) * 3600000 + Math.floor(r() * 3600000);
      const inc: Incident = {
        id: `${t.type}:${attacker}:${victim}:${k}`, type: t.type, severity: t.sev, score: 50, confidence: 'medium',
        attacker: { ip: attacker, address_scope: 'public', geo: { country_iso_code: COUNTRIES[attacker.length % COUNTRIES.length]! } },
        victims: [{ ip: victim, ports: [22, 443] }],
        first_seen: new Date(start).toISOString(), last_seen: new Date(start + 1800000).toISOString(), event_count: 5 + Math.floor(r() * 100),
        transports: ['tcp'], ports: [22, 443], direction: t.dir,
        mitre: { technique: { id: t.tech[0], name: t.tech[1] }, tactic: t.tech[2] },
        summary: `${attacker} vs ${victim} seen by ${observer}`, advice: `check ${victim}`, observers: [observer],
      };
      incidents.push(inc);
      const v1 = anon.one(inc) as ShareSummary;
      messages.push(JSON.stringify(v1));
      if (k % 3 === 0) {
        // The incident grows: a later version with more events replaces the first at the hub.
        const grown = { ...inc, event_count: inc.event_count + 50, last_seen: new Date(start + 3 * 3600000).toISOString() };
        incidents.push(grown);
        later.push(JSON.stringify(anon.one(grown)));
        // ... and the first version arrives again afterwards (stale): it must not win.
        later.push(JSON.stringify(v1));
      }
      if (k % 4 === 1) later.push(JSON.stringify(v1)); // an exact repeat
    }
    messages.push(...later);
    members.push({ code, secret, homeNets, observer, incidents, messages, internalIps });
  }
  return members;
}

/** The final version of every (member, id), computed independently of the hub. */
export function expectedFinal(members: Member[]): Map<string, ShareSummary> {
  const out = new Map<string, ShareSummary>();
  for (const m of members) {
    for (const msg of m.messages) {
      const s = JSON.parse(msg) as ShareSummary;
      const k = `${s.member}|${s.id}`;
      const cur = out.get(k);
      if (!cur || s.event_count > cur.event_count) out.set(k, s);
    }
  }
  return out;
}
