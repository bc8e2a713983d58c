/** `gatewatch analyze` end to end: a generated netfilter log through the real command line. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Incident } from '../../src/detect/incident';
import { ROOT } from '../helpers/fixtures';
import { mixedScenario, portScan, writeNetfilterLog } from '../helpers/traffic';

describe('gatewatch analyze (CLI)', function () {
  this.timeout(60000);
  let dir: string;
  let log: string;
  let attackers: Record<string, string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-analyze-'));
    log = join(dir, 'firewall.log');
    const s = mixedScenario(11, 6, 2000);
    attackers = s.attackers;
    writeNetfilterLog(log, s.pkts);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'gatewatch.js'), 'analyze', ...args], { encoding: 'utf8' });

  it('prints one incident per line: the embedded attacks and nothing else', () => {
    const r = cli('--home-net', '198.51.100.0/24,192.168.0.0/16', log);
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    const incs = lines.map((l) => JSON.parse(l) as Incident);
    const found = Object.fromEntries(incs.map((i) => [i.attacker.ip, i.type]));
    expect(found).to.deep.equal(attackers);
    const slow = incs.find((i) => i.attacker.ip === '203.0.113.77')!;
    expect(slow.subtype).to.equal('slow');
    const bf = incs.find((i) => i.type === 'bruteforce')!;
    expect(bf.event_count).to.equal(30);
    expect(bf.direction).to.equal('inbound');
    for (const i of incs) {
      expect(i.id).to.match(/^[0-9a-f]{16}$/);
      expect(i.summary.length).to.be.greaterThan(20);
      expect(i.advice.length).to.be.greaterThan(20);
    }
  });

  it('--json writes the whole result', () => {
    const out = join(dir, 'result.json');
    const r = cli('--json', out, log);
    expect(r.status, r.stderr).to.equal(0);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.incidents.length).to.equal(r.stdout.trim().split('\n').length);
    expect(res.parse.events).to.be.greaterThan(10000);
    expect(res.from).to.match(/^2026-11-23T08:/);
  });

  it('writes the HTML report for the period of the input with --html', () => {
    const html = join(dir, 'r.html');
    const r = cli('--home-net', '198.51.100.0/24,192.168.0.0/16', '--home-country', 'GB', '--html', html, log);
    expect(r.status, r.stderr).to.equal(0);
    const page = readFileSync(html, 'utf8');
    expect(page).to.match(/<svg/);
    for (const ip of Object.keys(attackers)) expect(page, `report names ${ip}`).to.contain(ip);
    // No external fetches: every src/href is inline or a fragment.
    expect(page).to.not.match(/(src|href)="https?:/);
  });

  it('--threads 2 prints the same incidents as --threads 1; a bad --threads is a usage error', () => {
    const home = ['--home-net', '198.51.100.0/24,192.168.0.0/16'];
    const one = cli(...home, '--threads', '1', '--json', join(dir, 't1.json'), log);
    const two = cli(...home, '--threads', '2', '--json', join(dir, 't2.json'), log);
    expect(one.status, one.stderr).to.equal(0);
    expect(two.status, two.stderr).to.equal(0);
    expect(two.stdout).to.equal(one.stdout);
    const [r1, r2] = ['t1.json', 't2.json'].map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(r2.parse).to.deep.equal(r1.parse);
    expect(r1.incidents.length).to.equal(Object.keys(attackers).length);
    const bad = cli('--threads', '3', log);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/--threads takes 1, 2 or auto/);
  });

  it('--settings FILE changes detection thresholds; a typo or a bad value is an error, not a silent default', () => {
    // Six ports in six seconds: below the default of 8 new ports for a fast scan.
    const small = join(dir, 'small.log');
    writeNetfilterLog(small, portScan('203.0.113.140', '198.51.100.2', Date.UTC(2026, 10, 20, 9), 6, 1000));
    const none = cli('--home-net', '198.51.100.0/24', small);
    expect(none.status, none.stderr).to.equal(0);
    expect(none.stdout.trim()).to.equal('');
    const file = join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ portscan: { fastPorts: 5 } }));
    const r = cli('--home-net', '198.51.100.0/24', '--settings', file, small);
    expect(r.status, r.stderr).to.equal(0);
    const incs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Incident);
    expect(incs.map((i) => [i.type, i.attacker.ip])).to.deep.equal([['portscan', '203.0.113.140']]);
    // 0 switches a rule off where the settings say so (beacon.commonHosts): accepted
    writeFileSync(file, JSON.stringify({ portscan: { fastPorts: 5 }, beacon: { commonHosts: 0 } }));
    expect(cli('--home-net', '198.51.100.0/24', '--settings', file, small).status).to.equal(0);
    for (const [bad, msg] of [
      [{ portscan: { fastport: 5 } }, /unknown setting "portscan.fastport" \(known: enabled, fastPorts/],
      [{ portscans: {} }, /unknown section "portscans"/],
      [{ portscan: { fastPorts: '5' } }, /"portscan.fastPorts" must be a number/],
      [{ portscan: { fastPorts: -1 } }, /portscan.fastPorts must be a positive number/],
      [{ general: { ipv6Prefix: 200 } }, /ipv6Prefix must be a whole number from 16 to 128/],
      [{ beacon: { commonHosts: 1.5 } }, /beacon.commonHosts must be a whole number, 0 \(off\) or more/],
      [[1, 2], /must hold a JSON object/],
    ] as const) {
      writeFileSync(file, JSON.stringify(bad));
      const e = cli('--settings', file, small);
      expect(e.status, JSON.stringify(bad)).to.equal(2);
      expect(e.stderr).to.match(msg);
    }
    writeFileSync(file, '{ not json');
    expect(cli('--settings', file, small).stderr).to.match(/is not JSON/);
    expect(cli('--settings', join(dir, 'missing.json'), small).stderr).to.match(/cannot read/);
  });

  it('refuses unknown options and bad values, with usage', () => {
    expect(cli('--bogus', log).status).to.equal(2);
    expect(cli().status).to.equal(2);
    const r = cli('--home-country', 'Britain', '--html', join(dir, 'x.html'), log);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/two-letter/);
  });
});
