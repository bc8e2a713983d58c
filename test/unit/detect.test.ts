/**
 * The detection engine, detector by detector: positive cases (the attack is found, with the right
 * type, subtype and severity) and negative ones (normal traffic raises nothing).
 */
import { expect } from 'chai';
import { DetectEngine, type DetectOptions } from '../../src/detect/engine';
import { incidentTarget, type Incident } from '../../src/detect/incident';
import { parseAccepted, resolveConfig, validateConfig } from '../../src/detect/config';
import { LAN, makeEvent, normalTraffic, portScan, Rng, syntheticSource, T0, WAN, type Pkt } from '../helpers/traffic';

function run(pkts: Pkt[], cfg: DetectOptions = {}, engine = new DetectEngine(cfg)): { incidents: Incident[]; all: Incident[]; engine: DetectEngine } {
  const latest = new Map<string, Incident>();
  const all: Incident[] = [];
  for (const p of pkts) for (const i of engine.process(makeEvent(p))) { latest.set(i.id, i); all.push(i); }
  for (const i of engine.flush()) latest.set(i.id, i);
  return { incidents: [...latest.values()], all, engine };
}
const ofType = (xs: Incident[], t: string) => xs.filter((i) => i.type === t);

describe('detect engine', () => {
  describe('normal traffic', () => {
    it('a day of office browsing, late replies and background noise raises nothing', () => {
      const { incidents, engine } = run(normalTraffic(new Rng(7), 24, 3000));
      expect(incidents.map((i) => `${i.type} ${i.attacker.ip} ${i.summary}`)).to.deep.equal([]);
      expect(engine.stats.replies).to.be.greaterThan(1000);
    });
  });

  describe('portscan', () => {
    it('the same scanner back every day, all blocked, stays medium at most; let through or listed, it can be high', () => {
      const days = (extra: Partial<Pkt>) => Array.from({ length: 6 }, (_, d) => portScan('203.0.113.77', WAN, T0 + d * 86_400_000, 300, 2 * 60_000, ['SYN'], extra)).flat();
      const blocked = run(days({})).all.filter((i) => i.type === 'portscan');
      expect(blocked.some((i) => i.status === 'repeat')).to.equal(true);
      expect(Math.max(...blocked.map((i) => i.score))).to.equal(59);
      expect(new Set(blocked.map((i) => i.severity))).to.not.include('high');
      const listed = run(days({ bad: 'src' })).all.filter((i) => i.type === 'portscan');
      expect(listed.some((i) => i.severity === 'high')).to.equal(true);
    });
    it('a fast SYN scan is one incident, updated as it grows, with a stable id', () => {
      const { incidents, all } = run(portScan('203.0.113.5', WAN, T0, 300, 20));
      expect(incidents).to.have.length(1);
      const inc = incidents[0]!;
      expect(inc.type).to.equal('portscan');
      expect(inc.subtype).to.equal('syn');
      expect(inc.attacker.ip).to.equal('203.0.113.5');
      expect(inc.event_count).to.equal(300);
      expect(inc.mitre.technique.id).to.equal('T1046');
      expect(inc.victims[0]!.ip).to.equal(WAN);
      expect(inc.summary).to.match(/port scan/);
      expect(all[0]!.status).to.equal('new');
      expect(all.length).to.be.within(2, 12); // updates as it doubles, not one per packet
      expect(new Set(all.map((i) => i.id)).size).to.equal(1);
    });
    it('classifies FIN, XMAS, NULL, ACK and UDP scans, and Masscan', () => {
      const kinds: Array<[string[], string]> = [[['FIN'], 'fin'], [['FIN', 'PSH', 'URG'], 'xmas'], [[], 'null'], [['ACK'], 'ack']];
      for (const [flags, want] of kinds) {
        const { incidents } = run(portScan('203.0.113.6', WAN, T0, 50, 100, flags));
        expect(incidents.map((i) => i.subtype), want).to.deep.equal([want]);
      }
      const udp = run(portScan('203.0.113.7', WAN, T0, 50, 100, [], { proto: 'udp' })).incidents;
      expect(udp.map((i) => i.subtype)).to.deep.equal(['udp']);
      const mass = run(portScan('203.0.113.8', WAN, T0, 50, 10, ['SYN'], { tcpOptions: false })).incidents;
      expect(mass[0]!.details!.tool).to.equal('masscan');
    });
    it('a scan logged without TCP flags (a session-logging firewall) is a TCP scan, not "full connections", unless let in', () => {
      const flagless = (allowed: boolean) => {
        const e = new DetectEngine();
        for (const p of portScan('203.0.113.10', WAN, T0, 30, 500, ['SYN'], { sport: undefined })) {
          const ev = makeEvent({ ...p, sport: 40000 + (p.dport! % 1000), action: allowed ? 'allow' : 'deny' });
          delete ev.gatewatch!.tcp_flags;
          delete ev.gatewatch!.tcp_options;
          e.process(ev);
        }
        return e.flush().filter((i) => i.type === 'portscan');
      };
      const blocked = flagless(false);
      expect(blocked.map((i) => [i.subtype, i.details!.scan_type])).to.deep.equal([['tcp', 'tcp']]);
      expect(blocked[0]!.summary).to.match(/\(a TCP port scan\); your firewall blocked it\.$/);
      expect(flagless(true).map((i) => i.subtype)).to.deep.equal(['connect']);
      // With flags in the log, as before.
      expect(run(portScan('203.0.113.10', WAN, T0, 30, 500)).incidents.map((i) => i.subtype)).to.deep.equal(['syn']);
    });
    it('catches a slow scan: one port every 20 minutes for 6 hours (CrowdSec and a 1-hour psad window miss it)', () => {
      const { incidents } = run(portScan('203.0.113.9', WAN, T0, 18, 20 * 60000));
      expect(incidents).to.have.length(1);
      expect(incidents[0]!.subtype).to.equal('slow');
      expect(incidents[0]!.details!.distinct_ports).to.equal(18);
    });
    it('a slow scan with gaps of more than an hour stays one incident a day, not a new one for every probe', () => {
      // 60 ports over two days, a probe every 48 minutes give or take 30: gaps up to 78 minutes
      const rng = new Rng(5);
      const pk: Pkt[] = [];
      for (let i = 0, t = T0; i < 60; i++, t += (48 + rng.int(61) - 30) * 60000) pk.push({ t, src: '203.0.113.9', dst: WAN, dport: 1000 + i * 7 });
      const { incidents } = run(pk);
      expect(incidents.map((i) => i.subtype)).to.deep.equal(['slow', 'slow']);
      expect(incidents.reduce((n, i) => n + i.event_count, 0)).to.equal(60);
    });
    it('does not call 6 ports in a day a scan', () => {
      expect(run(portScan('203.0.113.9', WAN, T0, 6, 3600000)).incidents).to.deep.equal([]);
    });
    it('recognises an IP-protocol scan and the Mirai pattern', () => {
      const protos: Pkt['proto'][] = ['tcp', 'udp', 'icmp', 'gre', 'esp', 'sctp', 'ah'];
      const ps = protos.map((proto, i) => ({ t: T0 + i * 1000, src: '203.0.113.10', dst: WAN, proto, dport: 80 }));
      expect(run(ps).incidents.map((i) => i.type)).to.deep.equal(['portscan']);
      const mirai = [23, 23, 23, 2323].map((dport, i) => ({ t: T0 + i * 1000, src: '203.0.113.11', dst: WAN, dport, sport: 1000 + i, tcpOptions: false }));
      const m = run(mirai).incidents;
      expect(m).to.have.length(1);
      expect(m[0]!.details!.tool).to.equal('mirai');
    });
    it('rates allowed probes (open ports found) higher than blocked ones', () => {
      const denied = run(portScan('203.0.113.12', WAN, T0, 40, 100)).incidents[0]!;
      const allowed = run(portScan('203.0.113.12', WAN, T0, 40, 100, ['SYN'], { action: 'allow' })).incidents[0]!;
      expect(allowed.score).to.be.greaterThan(denied.score);
      expect(allowed.advice).to.match(/open/);
    });
    it('reports research scanners as such, at low severity, or ignores them', () => {
      const ps = portScan('162.142.125.40', WAN, T0, 40, 100);
      const low = run(ps).incidents;
      expect(low.map((i) => [i.type, i.severity, i.attacker.known_scanner])).to.deep.equal([['research-scanner', 'low', 'Censys']]);
      const byOrg = run(portScan('203.0.113.13', WAN, T0, 40, 100, ['SYN'], { org: 'Shadowserver Foundation' })).incidents;
      expect(byOrg[0]!.type).to.equal('research-scanner');
      expect(run(ps, { knownScanners: { mode: 'ignore' } }).incidents).to.deep.equal([]);
      expect(run(ps, { knownScanners: { mode: 'off' } }).incidents[0]!.type).to.equal('portscan');
    });
    it('honours allow-lists of addresses, networks and ports', () => {
      const ps = portScan('203.0.113.14', WAN, T0, 40, 100);
      expect(run(ps, { allowlist: { addresses: ['203.0.113.14'] } }).incidents).to.deep.equal([]);
      expect(run(ps, { allowlist: { networks: ['203.0.113.0/24'] } }).incidents).to.deep.equal([]);
      const one = portScan('203.0.113.14', WAN, T0, 40, 100).map((p) => ({ ...p, dport: 8080 }));
      expect(run(one, { allowlist: { ports: [8080] } }).incidents).to.deep.equal([]);
    });
  });

  describe('IPv6 attackers', () => {
    // A scanner that takes a new address from its /64 for every probe: per address, each sends one packet.
    const rotating = (net: string, n: number, extra: Partial<Pkt> = {}) =>
      Array.from({ length: n }, (_, i) => ({ t: T0 + i * 500, src: `${net}:${(i + 1).toString(16)}:5ee:${(0xa000 + i).toString(16)}:1`, dst: '2001:db8:ff::10', dir: 'inbound' as const, dport: 1 + i * 37, sport: 40000 + i, ...extra }));
    it('counts a /64 as one attacker: a scan from a new address per probe is one incident', () => {
      const { incidents } = run(rotating('2001:db8:aa:1', 30));
      expect(incidents.map((i) => [i.type, i.attacker.network])).to.deep.equal([['portscan', '2001:db8:aa:1::/64']]);
      const inc = incidents[0]!;
      expect(inc.attacker.ip).to.match(/^2001:db8:aa:1:/);
      expect(inc.summary).to.contain('the network 2001:db8:aa:1::/64');
      // (the addresses from the opening on: the profile does not keep the ones before)
      expect(inc.details!.source_addresses).to.be.within(20, 30);
      // Per address (ipv6Prefix 128), as before: thirty one-packet sources, nothing to report.
      expect(run(rotating('2001:db8:aa:1', 30), { general: { ipv6Prefix: 128 } }).incidents).to.deep.equal([]);
    });
    it('keeps different networks apart, and password guessing from rotating addresses is one incident', () => {
      const two = run([...rotating('2001:db8:aa:1', 12), ...rotating('2001:db8:aa:2', 12)]).incidents;
      expect(two.map((i) => i.attacker.network).sort()).to.deep.equal(['2001:db8:aa:1::/64', '2001:db8:aa:2::/64']);
      const ssh = run(rotating('2001:db8:bb:7', 6, { dport: 22, action: 'allow' })).incidents.filter((i) => i.type === 'bruteforce');
      expect(ssh.map((i) => [i.subtype, i.event_count, i.attacker.network])).to.deep.equal([['fast', 6, '2001:db8:bb:7::/64']]);
      // IPv4 attackers carry no network.
      expect(run(portScan('203.0.113.5', WAN, T0, 30, 100)).incidents[0]!.attacker.network).to.equal(undefined);
      // A listed address is reported as itself, not as its network.
      const listed = run([{ ...rotating('2001:db8:cc:1', 1)[0]!, bad: 'src' as const }]).incidents;
      expect(listed.map((i) => [i.type, i.attacker.ip, i.attacker.network])).to.deep.equal([['known-bad-inbound', '2001:db8:cc:1:1:5ee:a000:1', undefined]]);
    });
  });

  describe('sweep', () => {
    it('one port across 12 of your addresses', () => {
      const pk = Array.from({ length: 12 }, (_, i) => ({ t: T0 + i * 5000, src: '203.0.113.20', dst: `198.51.100.${10 + i}`, dport: 445 }));
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.subtype, i.details!.port])).to.deep.equal([['sweep', 'tcp', 445]]);
      expect(incidents[0]!.victims).to.have.length(12);
      expect(incidents[0]!.mitre.technique.id).to.equal('T1595.001');
    });
    it('a ping sweep', () => {
      const pk = Array.from({ length: 15 }, (_, i) => ({ t: T0 + i * 100, src: '203.0.113.21', dst: `198.51.100.${10 + i}`, proto: 'icmp' as const }));
      expect(run(pk).incidents.map((i) => i.subtype)).to.deep.equal(['icmp']);
    });
    it('5 hosts is not a sweep at the default', () => {
      const pk = Array.from({ length: 5 }, (_, i) => ({ t: T0 + i * 5000, src: '203.0.113.20', dst: `198.51.100.${10 + i}`, dport: 445 }));
      expect(run(pk).incidents).to.deep.equal([]);
      expect(run(pk, { sweep: { hosts: 5 } }).incidents).to.have.length(1);
    });
  });

  describe('bruteforce', () => {
    /** `robots` addresses, each making `each` connections to SSH on 192.168.1.5, spread over `minutes`. */
    const botnet = (robots: number, each: number, minutes: number, action: 'allow' | 'deny' = 'allow'): Pkt[] => {
      const pk: Pkt[] = [];
      const n = robots * each;
      for (let k = 0; k < n; k++) pk.push({ t: T0 + Math.floor((k * minutes * 60_000) / n), src: `203.0.113.${(k % robots) + 1}`, dst: '192.168.1.5', dport: 22, sport: 40000 + k, action });
      return pk;
    };
    it('many addresses with a few logins each, let through to one service: distributed guessing, one incident', () => {
      const { incidents } = run(botnet(40, 2, 50));
      expect(incidents.map((i) => [i.type, i.subtype, i.severity])).to.deep.equal([['bruteforce', 'distributed', 'high']]);
      const inc = incidents[0]!;
      expect(inc.details!.sources).to.equal(40);
      expect(inc.event_count).to.equal(80);
      expect(inc.victims.map((v) => [v.ip, v.ports])).to.deep.equal([['192.168.1.5', [22]]]);
      expect(inc.summary).to.match(/^40 addresses made 80 connection attempts to SSH on 192\.168\.1\.5 in .*each only a few/);
      expect(incidentTarget(inc)).to.equal(incidentTarget({ ...inc, subtype: 'fast' }));
    });
    it('a day and more of it: the next day\'s incident does not count the previous one\'s connections again', () => {
      const pk = botnet(60, 30, 30 * 60); // 1,800 connections from 60 addresses over 30 hours
      const dist = run(pk).incidents.filter((i) => i.subtype === 'distributed');
      expect(dist.length).to.equal(2);
      expect(dist.reduce((n, i) => n + i.event_count, 0)).to.be.at.most(pk.length);
    });
    it('not when blocked, not from a few addresses, not below the count, and not when switched off', () => {
      expect(run(botnet(40, 2, 50, 'deny')).incidents.filter((i) => i.subtype === 'distributed')).to.deep.equal([]);
      expect(run(botnet(5, 10, 50)).incidents.filter((i) => i.subtype === 'distributed')).to.deep.equal([]);
      // 20 an hour from 20 addresses for five hours: under 30 in any hour
      expect(run(botnet(20, 5, 300)).incidents.filter((i) => i.subtype === 'distributed')).to.deep.equal([]);
      expect(run(botnet(40, 2, 50), { bruteforce: { distributedSources: 0 } }).incidents).to.deep.equal([]);
      // staff phones collecting mail, VoIP phones, VPN clients: many addresses are normal there
      for (const dport of [993, 5060, 1194, 443]) {
        const pk = botnet(40, 2, 50).map((p) => ({ ...p, dport }));
        expect(run(pk, { bruteforce: { vpnPorts: [443] } }).incidents.filter((i) => i.subtype === 'distributed'), String(dport)).to.deep.equal([]);
      }
    });
    const attempts = (n: number, gapMs: number, extra: Partial<Pkt> = {}) =>
      Array.from({ length: n }, (_, i) => ({ t: T0 + i * gapMs, src: '203.0.113.30', dst: WAN, sport: 50000 + i, dport: 22, ...extra }));
    it('fast: 6 SSH connections in 10 seconds', () => {
      const { incidents } = run(attempts(6, 1500, { action: 'allow' }));
      expect(incidents.map((i) => [i.type, i.subtype, i.severity])).to.deep.equal([['bruteforce', 'fast', 'high']]);
      expect(incidents[0]!.mitre.technique.id).to.equal('T1110');
      expect(incidents[0]!.summary).to.match(/SSH/);
    });
    it('slow: 10 RDP connections a minute apart', () => {
      const { incidents } = run(attempts(10, 60000, { dport: 3389 }));
      expect(incidents.map((i) => [i.subtype, i.details!.services])).to.deep.equal([['slow', ['Remote Desktop (RDP)']]]);
    });
    it('a scanner or sweeper that sends a few more packets hours after its incident ended is not reported again', () => {
      const pk: Pkt[] = [];
      for (let i = 0; i < 300; i++) pk.push({ t: T0 + i * 20, src: '203.0.113.77', dst: WAN, dport: 1 + i, sport: 54321 });
      pk.push({ t: T0 + 7_200_000, src: '203.0.113.77', dst: WAN, dport: 3389, sport: 54321 }, { t: T0 + 7_500_000, src: '203.0.113.77', dst: WAN, dport: 5900, sport: 54321 });
      for (let i = 0; i < 20; i++) pk.push({ t: T0 + i * 100, src: '203.0.113.78', dst: `192.168.1.${10 + i}`, dport: 445, sport: 40000 + i });
      pk.push({ t: T0 + 7_200_000, src: '203.0.113.78', dst: '192.168.1.99', dport: 445, sport: 41000 });
      pk.sort((a, b) => a.t - b.t);
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.attacker.ip, i.event_count])).to.deep.equal([['portscan', '203.0.113.77', 300], ['sweep', '203.0.113.78', 20]]);
      // ... but one that scans again in earnest is (a repeat, counted from its return)
      for (let i = 0; i < 50; i++) pk.push({ t: T0 + 9_000_000 + i * 20, src: '203.0.113.77', dst: WAN, dport: 2000 + i, sport: 54321 });
      const r2 = run(pk);
      // (the two probes after the first scan ended count in the new window: 2 + 50)
      expect(ofType(r2.incidents, 'portscan').map((i) => i.event_count)).to.deep.equal([300, 52]);
      expect(ofType(r2.all, 'portscan').filter((i) => i.status === 'repeat').map((i) => i.id)).to.include(ofType(r2.incidents, 'portscan')[1]!.id);
    });
    it('a guesser that comes back after a quiet spell: the new incident counts only its own attempts', () => {
      const pk: Pkt[] = [];
      for (let i = 0; i < 20; i++) pk.push({ t: T0 + i * 2000, src: '203.0.113.66', dst: '192.168.1.10', dport: 22, sport: 40000 + i, action: 'allow' });
      for (let i = 0; i < 6; i++) pk.push({ t: T0 + 7_200_000 + i * 2000, src: '203.0.113.66', dst: '192.168.1.10', dport: 22, sport: 50000 + i, action: i % 2 ? 'allow' : 'deny' });
      const bf = ofType(run(pk).incidents, 'bruteforce');
      expect(bf.map((i) => [i.event_count, i.allowed_count, i.first_seen])).to.deep.equal([
        [20, 20, new Date(T0).toISOString()], [6, 3, new Date(T0 + 7_200_000).toISOString()]]);
      expect(bf[1]!.summary).to.include('made 6 connection attempts to SSH on 192.168.1.10 in 10 seconds');
    });
    it('retransmissions of one attempt count once; 4 attempts are not brute force', () => {
      const retrans = Array.from({ length: 8 }, (_, i) => ({ t: T0 + i * 1000, src: '203.0.113.31', dst: WAN, sport: 50000, dport: 22 }));
      expect(run(retrans).incidents).to.deep.equal([]);
      expect(run(attempts(4, 1000)).incidents).to.deep.equal([]);
    });
    it('password spraying across 6 machines', () => {
      const pk = Array.from({ length: 6 }, (_, i) => ({ t: T0 + i * 60000, src: '203.0.113.32', dst: `198.51.100.${20 + i}`, sport: 50000 + i, dport: 3389, action: 'allow' as const }));
      const { incidents } = run(pk);
      expect(ofType(incidents, 'bruteforce').map((i) => [i.type, i.subtype])).to.deep.equal([['bruteforce', 'spray']]);
      expect(ofType(incidents, 'exposed-service')).to.have.length(6); // and RDP open on each machine
    });
    it('the attempts before the incident opened count in full: how many got through, on which machine and port', () => {
      // All let through: the first alert must not say "1 of 5 got through".
      const { all, incidents } = run(attempts(6, 1500, { action: 'allow' }));
      const first = all.find((i) => i.type === 'bruteforce')!;
      expect([first.status, first.event_count, first.allowed_count]).to.deep.equal(['new', 5, 5]);
      expect(first.victims).to.deep.equal([{ ip: WAN, ports: [22], count: 5 }]);
      expect(first.summary).to.match(/let it reach the login/);
      const last = ofType(incidents, 'bruteforce')[0]!;
      expect([last.event_count, last.allowed_count, last.victims[0]!.count]).to.deep.equal([6, 6, 6]);
      // Every other one let through: exact counts at the opening and at the end.
      const mixed = attempts(9, 1000).map((p, i) => ({ ...p, action: i % 2 === 0 ? 'allow' as const : 'deny' as const }));
      const m = run(mixed);
      const opened = m.all.find((i) => i.type === 'bruteforce')!;
      expect([opened.event_count, opened.allowed_count]).to.deep.equal([5, 3]);
      const end = ofType(m.incidents, 'bruteforce')[0]!;
      expect([end.event_count, end.allowed_count]).to.deep.equal([9, 5]);
      // Retransmissions before the opening count once, as after it.
      const re = attempts(5, 1500).flatMap((p) => [p, { ...p, t: p.t + 300 }]);
      const r = ofType(run(re).incidents, 'bruteforce')[0]!;
      expect([r.event_count, r.victims[0]!.count]).to.deep.equal([5, 5]);
    });
    it('blocked single tries, one per machine, are a sweep, not password guessing', () => {
      // A worm probing SMB: one blocked connection to each of 15 machines, each from a new source port.
      const pk = Array.from({ length: 15 }, (_, i) => ({ t: T0 + i * 600, src: '203.0.113.35', dst: `198.51.100.${20 + i}`, sport: 41000 + i, dport: 445 }));
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.subtype])).to.deep.equal([['sweep', 'tcp']]);
      // The same tries let through reach a login on each machine: spraying (and SMB open on each machine).
      const allowed = run(pk.map((p) => ({ ...p, action: 'allow' as const }))).incidents;
      expect(ofType(allowed, 'bruteforce').map((i) => [i.subtype, i.event_count])).to.deep.equal([['spray', 15]]);
      // A second blocked round on the same machines is guessing: it opens at the first machine tried twice.
      const twice = run([...pk, ...pk.map((p) => ({ ...p, t: p.t + 9000, sport: p.sport + 100 }))]);
      const opened = twice.all.find((i) => i.type === 'bruteforce')!;
      expect([opened.subtype, opened.event_count, opened.allowed_count]).to.deep.equal(['spray', 16, 0]);
      expect(ofType(twice.incidents, 'bruteforce')[0]!.event_count).to.equal(30);
    });
    it('spraying lists every machine tried before the incident opened, with its attempts', () => {
      // Two tries on the first machine, then one on each of 11 more: spraying is seen at the 5th machine.
      const hosts = Array.from({ length: 12 }, (_, i) => `198.51.100.${20 + i}`);
      const pk = [hosts[0]!, ...hosts].map((dst, i) => ({ t: T0 + i * 30000, src: '203.0.113.33', dst, sport: 51000 + i, dport: 22 }));
      const { all, incidents } = run(pk);
      const opened = all.find((i) => i.type === 'bruteforce')!;
      expect(opened.subtype).to.equal('spray');
      expect(opened.victims.map((v) => [v.ip, v.count])).to.deep.equal(hosts.slice(0, 5).map((h, i) => [h, i === 0 ? 2 : 1]));
      expect(opened.event_count).to.equal(6);
      const inc = ofType(incidents, 'bruteforce')[0]!;
      expect(inc.victims.map((v) => v.ip)).to.deep.equal(hosts);
      expect(inc.event_count).to.equal(13);
      expect(inc.victims.reduce((a, v) => a + (v.count ?? 0), 0)).to.equal(13);
      expect(inc.summary).to.match(/across 12 of your machines/);
    });
    it('a slow source that speeds up: the opening counts what its attempt ring holds, latest machines first', () => {
      // 20 tries on one machine, 2 minutes apart (never 10 in 10 minutes), all blocked; then 5 in 4 s on another, let through.
      const slow = Array.from({ length: 20 }, (_, i) => ({ t: T0 + i * 120000, src: '203.0.113.34', dst: '198.51.100.40', sport: 52000 + i, dport: 22 }));
      const fast = Array.from({ length: 5 }, (_, i) => ({ t: T0 + 20 * 120000 + i * 1000, src: '203.0.113.34', dst: '198.51.100.41', sport: 53000 + i, dport: 22, action: 'allow' as const }));
      const { all } = run([...slow, ...fast]);
      const opened = all.find((i) => i.type === 'bruteforce')!;
      expect(opened.subtype).to.equal('fast');
      // (the ring holds 16 attempts: the 5 fast ones and the last 11 slow ones)
      expect(opened.event_count).to.equal(16);
      expect(opened.allowed_count).to.equal(5);
      expect(opened.victims.map((v) => [v.ip, v.count])).to.deep.equal([['198.51.100.40', 11], ['198.51.100.41', 5]]);
    });
    it('443 counts only when configured as a VPN portal', () => {
      const pk = attempts(8, 1000, { dport: 443, action: 'allow' });
      expect(run(pk).incidents).to.deep.equal([]);
      expect(run(pk, { bruteforce: { vpnPorts: [443] } }).incidents.map((i) => i.type)).to.deep.equal(['bruteforce']);
    });
  });

  describe('known bad addresses', () => {
    it('an internal machine talking to a listed address is critical when allowed', () => {
      const pk = [{ t: T0, src: LAN[0]!, dst: '203.0.113.200', dport: 443, action: 'allow' as const, bad: 'dst' as const }];
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.severity, i.attacker.ip, i.victims[0]!.ip])).to.deep.equal([['known-bad-outbound', 'critical', '203.0.113.200', LAN[0]]]);
      expect(incidents[0]!.attacker.reputation![0]!.indicator.provider).to.equal('test-list');
      expect(incidents[0]!.summary).to.match(/infected/);
    });
    it('blocked outbound is high; inbound from a listed address is reported, higher when it got in', () => {
      expect(run([{ t: T0, src: LAN[0]!, dst: '203.0.113.200', dport: 443, bad: 'dst' }]).incidents[0]!.severity).to.equal('high');
      const denied = run([{ t: T0, src: '203.0.113.201', dst: WAN, dport: 22, bad: 'src' }]).incidents[0]!;
      const allowed = run([{ t: T0, src: '203.0.113.201', dst: WAN, dport: 22, bad: 'src', action: 'allow' }]).incidents[0]!;
      expect(denied.type).to.equal('known-bad-inbound');
      expect(allowed.score).to.be.greaterThan(denied.score);
    });
  });

  describe('beacon', () => {
    it('an internal host calling out every 5 minutes with 10% jitter', () => {
      const rng = new Rng(3);
      let t = T0;
      const pk: Pkt[] = [];
      for (let i = 0; i < 20; i++) { pk.push({ t, src: LAN[2]!, dst: '203.0.113.150', dport: 8443, action: 'allow', sport: 40000 + i }); t += 300000 * (0.9 + 0.2 * rng.next()); }
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.attacker.ip, i.victims[0]!.ip])).to.deep.equal([['beacon', '203.0.113.150', LAN[2]]]);
      expect(Number(incidents[0]!.details!.period_s)).to.be.within(270, 330);
      expect(incidents[0]!.mitre.technique.id).to.equal('T1071');
    });
    it('what most of your machines call every few minutes is shared software; the one infected PC still stands out', () => {
      // 12 PCs poll a chat service every 5 minutes and an update service every 15; one PC also calls 203.0.113.199:8443 every 10
      const rng = new Rng(8);
      const pcs = Array.from({ length: 12 }, (_, i) => `192.168.1.${100 + i}`);
      const pk: Pkt[] = [];
      for (const pc of pcs) {
        for (const [dst, period] of [['203.0.113.14', 300_000], ['203.0.113.90', 900_000]] as const) {
          for (let t = T0 + rng.int(period); t < T0 + 8 * 3_600_000; t += period * (0.98 + 0.04 * rng.next())) pk.push({ t: Math.floor(t), src: pc, dst, dport: 443, action: 'allow' });
        }
      }
      for (let t = T0 + 60_000; t < T0 + 8 * 3_600_000; t += 600_000 * (0.9 + 0.2 * rng.next())) pk.push({ t: Math.floor(t), src: pcs[3]!, dst: '203.0.113.199', dport: 8443, action: 'allow' });
      pk.sort((a, b) => a.t - b.t);
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.attacker.ip, i.victims[0]!.ip])).to.deep.equal([['beacon', '203.0.113.199', pcs[3]]]);
      // Off (0): every PC's polling is reported, each PC's its own story (no "repeat offence" score from the others)
      const all = run(pk, { beacon: { commonHosts: 0 } }).incidents;
      expect(all.filter((i) => i.attacker.ip === '203.0.113.14')).to.have.length(12);
      expect(all.filter((i) => i.status === 'repeat')).to.deep.equal([]);
      expect(new Set(all.filter((i) => i.attacker.ip === '203.0.113.14').map((i) => i.severity))).to.deep.equal(new Set(['medium']));
      // Two PCs only: below the default 3, both reported
      const two = pk.filter((p) => p.src === pcs[0] || p.src === pcs[1]);
      expect(run(two).incidents.filter((i) => i.attacker.ip === '203.0.113.14')).to.have.length(2);
    });
    it('a device polling its cloud every minute for five days stays medium (not a "repeat offence" each day); on a reputation list it is critical', () => {
      const pk: Pkt[] = [];
      for (let t = T0; t < T0 + 5 * 86_400_000; t += 60_000) pk.push({ t, src: '192.168.1.40', dst: '203.0.113.200', dport: 443, action: 'allow' });
      const { all } = run(pk);
      const beacons = all.filter((i) => i.type === 'beacon');
      // (one incident a day: a beacon's incident lasts at most a day)
      expect(new Set(beacons.map((i) => i.id)).size).to.be.within(4, 6);
      expect(beacons.some((i) => i.status === 'repeat')).to.equal(true);
      expect(new Set(beacons.map((i) => i.severity))).to.deep.equal(new Set(['medium']));
      expect(beacons[0]!.advice).to.match(/Printers, cameras/);
      const listed = run(pk.slice(0, 60).map((p) => ({ ...p, bad: 'dst' as const }))).incidents.filter((i) => i.type === 'beacon');
      expect(listed.map((i) => i.severity)).to.deep.equal(['critical']);
      expect(listed[0]!.advice).to.match(/reputation list/);
    });
    it('irregular contacts are not a beacon', () => {
      const rng = new Rng(4);
      let t = T0;
      const pk: Pkt[] = [];
      for (let i = 0; i < 30; i++) { pk.push({ t, src: LAN[2]!, dst: '203.0.113.150', dport: 443, action: 'allow' }); t += 1000 + rng.int(1800000); }
      expect(run(pk).incidents).to.deep.equal([]);
    });
  });

  describe('exposed service', () => {
    it('an allowed inbound connection to RDP is a hole to close', () => {
      const { incidents } = run([{ t: T0, src: '203.0.113.40', dst: '192.168.1.10', dport: 3389, action: 'allow' }]);
      expect(incidents.map((i) => [i.type, i.subtype, i.severity])).to.deep.equal([['exposed-service', 'rdp', 'high']]);
      expect(incidents[0]!.advice).to.match(/Close port 3389/);
    });
    it('the devices small sites leave open: a CCTV recorder, Android debug, NFS', () => {
      const pk = [34567, 5555, 2049, 5001, 554].map((dport, i) => ({ t: T0 + i * 1000, src: `203.0.113.${70 + i}`, dst: WAN, dport, action: 'allow' as const }));
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.subtype, i.details!.service, i.severity])).to.deep.equal([
        ['dvr', 'CCTV video recorder', 'medium'], ['adb', 'Android debug (ADB)', 'high'], ['nfs', 'NFS file sharing', 'high'],
        ['nas-admin', 'NAS admin page (Synology DSM)', 'medium'], ['rtsp', 'CCTV video stream (RTSP)', 'medium']]);
    });
    it('a service open for days: each day\'s incident counts its own connections and its sources, up to 16', () => {
      // 3 days (25 h apart), 300 allowed RDP connections in 12 h each from 30 addresses; an incident re-opens after maxIncidentS (24 h)
      const pk: Pkt[] = [];
      for (let d = 0; d < 3; d++) for (let i = 0; i < 300; i++) pk.push({ t: T0 + d * 90_000_000 + i * 140_000, src: `203.0.113.${100 + (i % 30)}`, dst: '192.168.1.10', dport: 3389, action: 'allow' });
      const { incidents } = run(pk);
      const ex = ofType(incidents, 'exposed-service');
      expect(ex.map((i) => i.event_count)).to.deep.equal([300, 300, 300]);
      expect(ex.map((i) => i.details!.sources)).to.deep.equal([16, 16, 16]);
      expect(ex[1]!.summary).to.include('let in 300 connections from 16 or more different addresses');
      expect(ex[0]!.score).to.equal(80); // RDP (70) + 10 for ten or more addresses
    });
    it('a service open on purpose is not reported as open; guessing at it still is; other machines still are', () => {
      // Robots guess at the RDP on .10 (20 tries in 10 s from one address) and one connection reaches .11's RDP.
      const pk: Pkt[] = Array.from({ length: 20 }, (_, i) => ({ t: T0 + i * 500, src: '203.0.113.60', dst: '192.168.1.10', dport: 3389, sport: 40000 + i, action: 'allow' as const }));
      pk.push({ t: T0 + 20_000, src: '203.0.113.61', dst: '192.168.1.11', dport: 3389, action: 'allow' });
      const kinds = (accepted: string[]) => run(pk, { exposed: { accepted } }).incidents.map((i) => `${i.type} ${i.victims[0]!.ip}`).sort();
      expect(kinds([])).to.deep.equal(['bruteforce 192.168.1.10', 'exposed-service 192.168.1.10', 'exposed-service 192.168.1.11']);
      expect(kinds(['192.168.1.10:3389'])).to.deep.equal(['bruteforce 192.168.1.10', 'exposed-service 192.168.1.11']);
      expect(kinds([' 3389 '])).to.deep.equal(['bruteforce 192.168.1.10']);
      expect(kinds(['192.168.1.10:22'])).to.have.length(3);
    });
    it('"open on purpose" entries are a port or address:port; anything else is a clear problem', () => {
      expect(['3389', '192.168.1.60:3389', '[2001:DB8::5]:3389', 22].map(parseAccepted)).to.deep.equal([{ port: 3389 }, { ip: '192.168.1.60', port: 3389 }, { ip: '2001:db8::5', port: 3389 }, { port: 22 }]);
      for (const bad of ['rdp', '70000', '0', '300.1.1.1:22', '192.168.1.60', '2001:db8::5:3389', '', null]) expect(parseAccepted(bad), String(bad)).to.equal(null);
      expect(validateConfig(resolveConfig({ exposed: { accepted: ['3389', 'rdp'] } }))).to.deep.equal(['exposed.accepted: "rdp" is not a port or address:port']);
    });
    it('allowed HTTPS and a blocked RDP attempt are not', () => {
      expect(run([{ t: T0, src: '203.0.113.40', dst: '192.168.1.10', dport: 443, action: 'allow' }, { t: T0, src: '203.0.113.41', dst: '192.168.1.10', dport: 3389 }]).incidents).to.deep.equal([]);
    });
  });

  describe('flood', () => {
    it('one source sending 2000 packets in 5 seconds to one port', () => {
      const pk = Array.from({ length: 2000 }, (_, i) => ({ t: T0 + Math.floor(i * 2.5), src: '203.0.113.50', dst: WAN, dport: 80, sport: 1024 + (i % 60000) }));
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.subtype])).to.deep.equal([['flood', 'source']]);
      expect(incidents[0]!.mitre.technique.id).to.equal('T1498');
    });
    it('many sources to one address (DDoS)', () => {
      const pk = Array.from({ length: 6000 }, (_, i) => ({ t: T0 + Math.floor(i / 2), src: syntheticSource(i % 3000), dst: WAN, dport: 443, proto: 'udp' as const, sport: 123 + (i % 2) * 1000 }));
      const { incidents } = run(pk);
      expect(incidents.map((i) => [i.type, i.subtype])).to.deep.equal([['flood', 'ddos']]);
    });
  });

  describe('time', () => {
    it('out-of-order timestamps give the same incident as in order', () => {
      const ps = portScan('203.0.113.60', WAN, T0, 100, 200);
      const shuffled = [...ps];
      const rng = new Rng(9);
      for (let i = shuffled.length - 1; i > 0; i--) { const j = Math.max(0, i - rng.int(10)); [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]; }
      const a = run(ps).incidents, b = run(shuffled).incidents;
      expect(b).to.have.length(1);
      expect(b[0]!.event_count).to.equal(a[0]!.event_count);
      expect(b[0]!.first_seen).to.equal(a[0]!.first_seen);
      expect(b[0]!.last_seen).to.equal(a[0]!.last_seen);
    });
    it('a replay gives the same ids as the first run', () => {
      const ps = portScan('203.0.113.61', WAN, T0, 100, 200);
      expect(run(ps).incidents.map((i) => i.id)).to.deep.equal(run(ps).incidents.map((i) => i.id));
    });
    it('a quiet period closes the incident; the return is a repeat with a new id and a higher score', () => {
      const ps = [...portScan('203.0.113.62', WAN, T0, 50, 100), ...portScan('203.0.113.62', WAN, T0 + 3 * 3600000, 50, 100)];
      const { incidents } = run(ps);
      expect(incidents).to.have.length(2);
      expect(incidents[1]!.status).to.equal('update');
      expect(incidents[0]!.id).to.not.equal(incidents[1]!.id);
      const firstSends = run(ps).all.filter((i) => i.attacker.ip === '203.0.113.62' && i.status !== 'update');
      expect(firstSends.map((i) => i.status)).to.deep.equal(['new', 'repeat']);
      expect(incidents[1]!.score).to.be.greaterThan(incidents[0]!.score);
    });
    it('two gateways logging the same packets count them once', () => {
      const ps = portScan('203.0.113.63', WAN, T0, 60, 200);
      const both: Pkt[] = [];
      for (const p of ps) { both.push({ ...p, observer: 'gw-a' }, { ...p, observer: 'gw-b', t: p.t + 400 }); }
      const { incidents, engine } = run(both);
      expect(incidents).to.have.length(1);
      expect(incidents[0]!.event_count).to.be.within(60, 61);
      expect(engine.stats.duplicates).to.be.within(59, 60);
      expect(incidents[0]!.observers).to.have.members(['gw-a']);
    });
    it('tick() sends held-back updates and closes incidents that went quiet', () => {
      const e = new DetectEngine();
      for (const p of portScan('203.0.113.64', WAN, T0, 30, 100)) e.process(makeEvent(p));
      e.process(makeEvent({ t: T0 + 5000, src: '203.0.113.64', dst: WAN, dport: 9 }));
      const wall = 1_000_000;
      expect(e.tick(wall).length).to.equal(0);
      expect(e.tick(wall + 30_000).length).to.equal(0);
      // A minute without events: the burst is over, its latest count is sent (long before updateEveryS).
      expect(e.tick(wall + 61_000).map((i) => [i.status, i.event_count])).to.deep.equal([['update', 31]]);
      expect(e.tick(wall + 62_000).length).to.equal(0);
      expect(e.openCount).to.equal(1);
      // Quiet for an hour: closed (nothing new to send).
      expect(e.tick(wall + 2 * 3600000)).to.deep.equal([]);
      expect(e.openCount).to.equal(0);
    });
  });

  describe('bounded state', () => {
    it('300k distinct sources stay within the caps', function () {
      this.timeout(60000);
      const e = new DetectEngine({ general: { maxSources: 20000, maxOpenIncidents: 500 } });
      for (let i = 0; i < 300_000; i++) {
        e.process(makeEvent({ t: T0 + i, src: syntheticSource(i), dst: WAN, dport: 1 + (i % 1000), sport: 40000 }));
      }
      // and a few real scans among them
      for (let s = 0; s < 2000; s++) for (const p of portScan(syntheticSource(5_000_000 + s), WAN, T0 + 2_000_000 + s, 20, 10)) e.process(makeEvent(p));
      const st = e.tableSizes();
      expect(st.tables.profiles).to.be.at.most(20000);
      expect(st.tables.incidents).to.be.at.most(500);
      expect(st.evicted.profiles).to.be.greaterThan(250_000);
      expect(st.incidents).to.be.at.least(2000);
    });
  });
});

describe('detect engine: sent incidents are snapshots', () => {
  it('a sent incident does not change when the incident grows', () => {
    const e = new DetectEngine();
    const sent: Incident[] = [];
    const attempts = (port: number, from: number) => Array.from({ length: 6 }, (_, i) => ({ t: T0 + from + i * 1000, src: '203.0.113.33', dst: WAN, sport: 50000 + from / 1000 + i, dport: port, action: 'allow' as const }));
    for (const p of [...attempts(22, 0), ...attempts(3389, 20000)]) sent.push(...e.process(makeEvent(p)));
    const first = sent[0]!;
    expect(first.details!.services).to.deep.equal(['SSH']);
    expect(first.event_count).to.equal(5);
    const last = e.flush()[0]!;
    expect(last.details!.services).to.deep.equal(['SSH', 'Remote Desktop (RDP)']);
    expect(last.id).to.equal(first.id);
  });
});

describe('detect engine: hostile input', () => {
  it('malformed events are counted and skipped, never thrown', () => {
    const e = new DetectEngine();
    const rng = new Rng(99);
    const junk: unknown[] = [null, 42, 'text', [], {}, { source: {}, destination: {} }, { source: { ip: 5 }, destination: { ip: {} } },
      { '@timestamp': 'not a time', source: { ip: '203.0.113.1' }, destination: { ip: WAN } },
      { '@timestamp': '2026-13-45T99:99:99Z', source: { ip: '203.0.113.1' }, destination: { ip: WAN } }];
    for (let i = 0; i < 2000; i++) {
      const ev = makeEvent({ t: T0 + i, src: `203.0.113.${rng.int(256)}`, dst: WAN, dport: rng.int(70000) - 100 }) as unknown as Record<string, any>;
      if (i % 3 === 0) ev.gatewatch = { tcp_flags: 'SYN' };
      if (i % 5 === 0) ev.destination.port = String(rng.int(100));
      if (i % 7 === 0) ev.threat = { enrichments: [null, { matched: {} }] };
      if (i % 11 === 0) delete ev.network;
      junk.push(ev);
    }
    for (const j of junk) expect(() => e.process(j as never)).to.not.throw();
    expect(e.stats.skipped).to.be.at.least(8);
    expect(() => e.tick(Date.now())).to.not.throw();
    expect(() => e.flush()).to.not.throw();
  });
});
