/**
 * Gateways that log a connection twice (Cisco ASA "Built" + "Teardown"): the detection engine must count
 * the connection once, from real ASA lines through the real parser.
 */
import { expect } from 'chai';
import { DetectEngine } from '../../src/detect/engine';
import type { Incident } from '../../src/detect/incident';
import { LineParser } from '../../src/parsers/registry';

const REF = Date.UTC(2026, 10, 23, 12, 0, 0);

function sshSessions(host: string, n: number, withBuilt: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = `10:00:${String(i * 1).padStart(2, '0')}`;
    const id = 9000 + i;
    if (withBuilt) out.push(`<166>Nov 23 2026 ${t} ${host} %ASA-6-302013: Built inbound TCP connection ${id} for outside:203.0.113.30/${50000 + i} (203.0.113.30/${50000 + i}) to inside:192.168.1.30/22 (198.51.100.2/22)`);
    out.push(`<166>Nov 23 2026 ${t} ${host} %ASA-6-302014: Teardown TCP connection ${id} for outside:203.0.113.30/${50000 + i} to inside:192.168.1.30/22 duration 0:00:01 bytes 3000 TCP FINs`);
  }
  return out;
}

function detect(lines: string[]): { incidents: Incident[]; engine: DetectEngine } {
  const parser = new LineParser({ format: 'auto', tz: 'UTC', refMs: REF });
  const engine = new DetectEngine();
  const incidents: Incident[] = [];
  for (const l of lines) {
    const ev = parser.parse(l, REF);
    expect(ev, l).to.not.equal(null);
    incidents.push(...engine.process(ev!));
  }
  incidents.push(...engine.flush());
  // process() sends an incident when it opens and as it grows, flush() the final state: latest per id.
  const latest = new Map<string, Incident>();
  for (const i of incidents) latest.set(i.id, i);
  return { incidents: [...latest.values()], engine };
}

describe('detect: connections logged at start and end', () => {
  it('counts a Built + Teardown pair once: 4 SSH connections are not brute force', () => {
    const { incidents, engine } = detect(sshSessions('asa-a', 4, true));
    expect(incidents.filter((i) => i.type === 'bruteforce')).to.deep.equal([]);
    expect(engine.stats.sessionEnds).to.equal(4);
  });

  it('still sees brute force from the Built messages: 6 SSH connections in 6 seconds', () => {
    const { incidents } = detect(sshSessions('asa-b', 6, true));
    expect(incidents.filter((i) => i.type === 'bruteforce').map((i) => i.subtype)).to.deep.equal(['fast']);
  });

  it('counts the Teardowns of a firewall that logs no Built messages', () => {
    const { incidents, engine } = detect(sshSessions('asa-c', 6, false));
    expect(engine.stats.sessionEnds).to.equal(0);
    expect(incidents.filter((i) => i.type === 'bruteforce').map((i) => i.subtype)).to.deep.equal(['fast']);
  });

  it('does not count event.kind "alert" records (an IPS hit inside a logged session) as connections', () => {
    const parser = new LineParser({ format: 'auto', tz: 'UTC', refMs: REF });
    const engine = new DetectEngine();
    const incidents: Incident[] = [];
    for (const l of sshSessions('asa-d', 8, false)) {
      const ev = parser.parse(l, REF)!;
      ev.event.kind = 'alert';
      incidents.push(...engine.process(ev));
    }
    incidents.push(...engine.flush());
    expect(incidents).to.deep.equal([]);
    expect(engine.stats.alerts).to.equal(8);
  });
});
