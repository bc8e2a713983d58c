/**
 * `gatewatch share` end to end: a log with a port scan, password guessing and an internal host calling
 * a listed bad address runs through the real pipeline (analyzeFiles); every format comes out well formed
 * (STIX through the spec validator) and none carries an internal address, the gateway's name or the secret.
 * With the detection engine still a stub the exports are empty but must be valid all the same.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Anonymiser, findLeaks } from '../../src/share/anonymise';
import { COLUMNS } from '../../src/share/csv';
import { ROOT } from '../helpers/fixtures';
import { validateBundle } from '../helpers/stix-validator';
import { beacon, bruteforce6, HOME_NETS, internal, OBSERVER, portscan, SECRET as INC_SECRET } from '../helpers/share-incidents';
import { toMisp } from '../../src/share/misp';

const BIN = join(ROOT, 'bin', 'gatewatch.js');
const HOST = 'gw-secretsite';
const SECRET = 'cli-site-secret-XYZ-123';
const HOME = '192.168.50.0/24,2001:db8:5::/48';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20, env: { ...process.env, GATEWATCH_SHARE_SECRET: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function ufw(t: string, action: 'BLOCK' | 'ALLOW', src: string, dst: string, spt: number, dpt: number, inIf = 'eth0', outIf = ''): string {
  return `Nov 23 ${t} ${HOST} kernel: [ 100.000000] [UFW ${action}] IN=${inIf} OUT=${outIf} MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${src} DST=${dst} LEN=40 TOS=0x00 PREC=0x00 TTL=240 ID=1 PROTO=TCP SPT=${spt} DPT=${dpt} WINDOW=1024 RES=0x00 SYN URGP=0`;
}

describe('gatewatch share (CLI, end to end)', function () {
  this.timeout(60000);
  let dir: string;
  let log: string;
  let feed: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gw-share-cli-'));
    const lines: string[] = [];
    for (let p = 1; p <= 120; p++) lines.push(ufw(`10:00:${String(p % 60).padStart(2, '0')}`, 'BLOCK', '198.51.100.77', '192.168.50.10', 40000 + p, p));
    for (let i = 0; i < 60; i++) lines.push(ufw(`10:05:${String(i).padStart(2, '0')}`, 'ALLOW', '203.0.113.9', '192.168.50.11', 50000 + i, 22));
    for (let i = 0; i < 10; i++) lines.push(ufw(`10:10:${String(i).padStart(2, '0')}`, 'ALLOW', '192.168.50.12', '203.0.113.250', 33000 + i, 443, 'lan0', 'eth0'));
    log = join(dir, 'fw.log');
    writeFileSync(log, lines.join('\n') + '\n');
    feed = join(dir, 'bad.txt');
    writeFileSync(feed, '# test feed\n203.0.113.250\n198.51.100.77\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const base = () => ['--member', 'NW-7', '--secret', SECRET, '--home-net', HOME, '--feeds', feed, '--tz', 'UTC', '--year', '2026', log];
  const clean = (text: string) => {
    const a = new Anonymiser({ member: 'NW-7', homeNets: HOME.split(',') });
    expect(findLeaks(text, (ip) => a.isInternal(ip), [HOST, SECRET, 'secretsite'])).to.deep.equal([]);
  };

  it('stix: a bundle that passes the STIX 2.1 validator', async () => {
    const r = await run(['share', '--format', 'stix', ...base()]);
    expect(r.code, r.stderr).to.equal(0);
    const b = JSON.parse(r.stdout);
    expect(validateBundle(b)).to.deep.equal([]);
    expect(r.stderr).to.match(/gatewatch share: \d+ incidents, \d+ shared/);
    if (b.objects.length === 0) console.log('      (note: no incidents detected; the detection engine is still the stub in this branch)');
    clean(r.stdout);
  });

  it('misp: an event', async () => {
    const r = await run(['share', '--format', 'misp', ...base()]);
    expect(r.code, r.stderr).to.equal(0);
    const e = JSON.parse(r.stdout).Event;
    expect(e.Orgc.name).to.equal('gatewatch member NW-7');
    expect(e.Attribute).to.be.an('array');
    clean(r.stdout);
  });

  it('csv and json: rows with the header', async () => {
    const r = await run(['share', '--format', 'csv', ...base()]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split('\r\n')[0]).to.equal(COLUMNS.join(','));
    clean(r.stdout);
    const j = await run(['share', '--format', 'json', ...base()]);
    expect(j.code, j.stderr).to.equal(0);
    expect(JSON.parse(j.stdout)).to.be.an('array');
    clean(j.stdout);
    const s = await run(['share', '--format', 'summary', ...base()]);
    expect(s.code, s.stderr).to.equal(0);
    clean(s.stdout);
  });

  it('--incidents: hand-made incidents through every format; nothing internal, no hostname, no secret', async () => {
    const file = join(dir, 'incidents.ndjson');
    writeFileSync(file, [portscan(), bruteforce6(), beacon(), internal()].map((i) => JSON.stringify(i)).join('\n') + '\nnull\n');
    const common = ['--member', 'NW-0042', '--secret', INC_SECRET, '--home-net', HOME_NETS.join(','), '--incidents', file];
    const a = new Anonymiser({ member: 'NW-0042', homeNets: HOME_NETS });
    const victims = ['192.168.10.5', '203.0.113.66', '2001:db8:aaaa::22', '10.20.3.4', '192.168.10.9', '192.168.10.1'];
    const outputs: Record<string, string> = {};
    for (const f of ['stix', 'misp', 'csv', 'json', 'summary']) {
      const r = await run(['share', '--format', f, ...common]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.contain('4 incidents, 3 shared');
      expect(findLeaks(r.stdout, (ip) => a.isInternal(ip), [OBSERVER, 'gw2.acme.example', INC_SECRET, 'alice', 'nas.acme.local', 'laptop-bob'], victims), f).to.deep.equal([]);
      outputs[f] = r.stdout;
    }
    expect(validateBundle(JSON.parse(outputs.stix!))).to.deep.equal([]);
    expect(JSON.parse(outputs.stix!).objects.filter((o: { type: string }) => o.type === 'sighting')).to.have.length(3);
    const summaries = outputs.summary!.trim().split('\n').map((l) => JSON.parse(l));
    expect(JSON.parse(outputs.misp!)).to.deep.equal(toMisp(summaries, { member: 'NW-0042' }));
    expect(outputs.csv!.trim().split('\r\n')).to.have.length(4);
    // The same secret gives the same ids on every run: the hub can de-duplicate re-exports.
    const again = await run(['share', '--format', 'summary', ...common]);
    expect(again.stdout).to.equal(outputs.summary);
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, '{"ok":1}\nnot json\n');
    const r = await run(['share', '--format', 'stix', '--member', 'X', '--incidents', bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('line 2 is not JSON');
  });

  it('usage errors are clear (exit 2)', async () => {
    for (const [args, msg] of [
      [['share', '--member', 'X', log], /--format must be one of/],
      [['share', '--format', 'stix', log], /--member CODE is required/],
      [['share', '--format', 'stix', '--member', 'bad code', log], /member code/],
      [['share', '--format', 'stix', '--member', 'X'], /at least one log FILE/],
      [['share', '--format', 'stix', '--member', 'X', '--victims', 'pseudonymise', log], /needs --secret/],
      [['share', '--format', 'stix', '--member', 'X', '--min-severity', 'huge', log], /--min-severity/],
    ] as [string[], RegExp][]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr).to.match(msg);
    }
  });
});
