/**
 * gatewatch-share and gatewatch-hub in a real Node-RED runtime (node-red-node-test-helper): the share
 * node's output and topic, the secret as a credential, the editor preview endpoint, errors to Catch;
 * the hub node's ingest → answers, persistence across a redeploy, the new-attacker output.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { Anonymiser, findLeaks, ShareSummary } from '../../src/share/anonymise';
import { ROOT } from '../helpers/fixtures';
import { beacon, HOME_NETS, internal, OBSERVER, portscan, SECRET } from '../helpers/share-incidents';
import { validateBundle } from '../helpers/stix-validator';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const shareNode = require('../../nodes/gatewatch-share/gatewatch-share');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hubNode = require('../../nodes/gatewatch-hub/gatewatch-hub');
const catchNode = require(join(ROOT, 'node_modules/@node-red/nodes/core/common/25-catch.js'));

helper.init(require.resolve('node-red'));

type N = { receive(m: unknown): void; on(ev: string, cb: (m: any) => void): void; credentials?: Record<string, string> };
const get = (id: string) => helper.getNode(id) as unknown as N;
function next(id: string, ms = 3000): Promise<any> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message at ${id}`)), ms);
    get(id).on('input', (m) => { clearTimeout(t); resolve(m); });
  });
}

function shareFlow(extra: Record<string, unknown> = {}) {
  return [
    { id: 't1', type: 'tab' },
    { id: 's1', z: 't1', type: 'gatewatch-share', member: 'NW-0042', format: 'summary', minSeverity: 'low', includePorts: true, includeGeo: true, victims: 'pseudonymise', homeNets: HOME_NETS.join(', '), topic: 'gatewatch/share/', wires: [['out']], ...extra },
    { id: 'out', z: 't1', type: 'helper' },
    { id: 'c1', z: 't1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 't1', type: 'helper' },
  ];
}

describe('gatewatch-share node', function () {
  this.timeout(10000);
  beforeEach(() => helper.startServer());
  afterEach(async () => { await helper.unload(); await helper.stopServer(); });

  it('sends one summary per incident on gatewatch/share/<member>, with no internal address', async () => {
    await helper.load([shareNode, catchNode], shareFlow(), { s1: { secret: SECRET } });
    const got: any[] = [];
    get('out').on('input', (m) => got.push(m));
    get('s1').receive({ payload: [portscan(), beacon(), internal()] });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).to.have.length(2);
    expect(got[0].topic).to.equal('gatewatch/share/NW-0042');
    const s = got[0].payload as ShareSummary;
    expect(s.attacker.ip).to.equal('198.51.100.7');
    // The pseudonym is the one the secret gives: the credential reached the runtime.
    expect(s.victims.pseudonyms).to.include(new Anonymiser({ member: 'NW-0042', secret: SECRET }).pseudonym('192.168.10.5'));
    const text = JSON.stringify(got.map((m) => m.payload));
    const a = new Anonymiser({ member: 'NW-0042', homeNets: HOME_NETS });
    expect(findLeaks(text, (ip) => a.isInternal(ip), [OBSERVER, SECRET])).to.deep.equal([]);
  });

  it('STIX format: one valid bundle per message', async () => {
    await helper.load([shareNode, catchNode], shareFlow({ format: 'stix' }), { s1: { secret: SECRET } });
    const p = next('out');
    get('s1').receive({ payload: portscan() });
    const m = await p;
    expect(validateBundle(m.payload)).to.deep.equal([]);
  });

  it('holds back what the options exclude, and reports non-incidents to Catch', async () => {
    await helper.load([shareNode, catchNode], shareFlow({ types: 'beacon' }), { s1: { secret: SECRET } });
    const got: any[] = [];
    get('out').on('input', (m) => got.push(m));
    const caught = next('caught');
    get('s1').receive({ payload: portscan() });
    get('s1').receive({ payload: 'not an incident' });
    const c = await caught;
    expect(c.error.message).to.contain('gatewatch-share.errors.notIncident');
    expect(got).to.have.length(0);
  });

  it('a bad member code is a configuration error reported on every message', async () => {
    await helper.load([shareNode, catchNode], shareFlow({ member: 'has space' }), {});
    const caught = next('caught');
    get('s1').receive({ payload: portscan() });
    expect((await caught).error.message).to.contain('gatewatch-share.errors.notConfigured');
  });

  it('the editor preview shows exactly what would leave the site', async () => {
    await helper.load([shareNode, catchNode], shareFlow(), { s1: { secret: SECRET } });
    const res = await helper.request().post('/gatewatch/share/preview').send({ id: 's1', member: 'NW-0042', format: 'summary', victims: 'pseudonymise' }).expect(200);
    expect(res.body.shared).to.equal(true);
    expect(res.body.incident.victims[0].ip).to.equal('192.168.1.20');
    const out = JSON.parse(res.body.output);
    expect(out.attacker.ip).to.equal('198.51.100.23');
    expect(out.victims.pseudonyms).to.include(new Anonymiser({ member: 'NW-0042', secret: SECRET }).pseudonym(res.body.incident.victims[0].ip));
    expect(res.body.output).to.not.contain('192.168.1.').and.not.contain('office').and.not.contain('Amsterdam');
    const held = await helper.request().post('/gatewatch/share/preview').send({ member: 'X', minSeverity: 'critical' }).expect(200);
    expect(held.body).to.deep.include({ shared: false, reason: 'below the minimum severity you chose' });
    const csv = await helper.request().post('/gatewatch/share/preview').send({ member: 'X', format: 'csv', victims: 'drop' }).expect(200);
    expect(csv.body.output.split('\r\n')[0]).to.match(/^member,summary_id,/);
    await helper.request().post('/gatewatch/share/preview').send({ member: 'bad code' }).expect(400);
  });

  it('the editor file declares every default and the credential', () => {
    const html = readFileSync(join(ROOT, 'dist/nodes/gatewatch-share/gatewatch-share.html'), 'utf8');
    expect(html).to.contain("RED.nodes.registerType('gatewatch-share'");
    for (const k of ['member', 'format', 'types', 'minSeverity', 'includePorts', 'includeGeo', 'victims', 'homeNets', 'topic', 'name', 'secret']) {
      expect(html, k).to.contain(`id="node-input-${k}"`);
    }
    expect(html).to.contain('data-help-name="gatewatch-share"');
  });
});

describe('gatewatch-hub node', function () {
  this.timeout(10000);
  let dir: string;
  beforeEach(async () => { dir = mkdtempSync(join(tmpdir(), 'gw-hubnode-')); await helper.startServer(); });
  afterEach(async () => { await helper.unload(); await helper.stopServer(); rmSync(dir, { recursive: true, force: true }); });

  const flow = (db: string) => [
    { id: 't1', type: 'tab' },
    { id: 'h1', z: 't1', type: 'gatewatch-hub', dbPath: db, retentionDays: 3650, minMembers: 2, blocklistDays: 3650, top: 10, region: 'Test', wires: [['answers'], ['fresh']] },
    { id: 'answers', z: 't1', type: 'helper' },
    { id: 'fresh', z: 't1', type: 'helper' },
  ];
  const member = (code: string) => new Anonymiser({ member: code, secret: SECRET, homeNets: HOME_NETS }).all([portscan(), beacon()]).summaries;

  it('ingests summaries, reports new attackers, and answers blocklist / picture / report', async () => {
    const db = join(dir, 'hub.sqlite');
    await helper.load(hubNode, flow(db));
    const fresh: any[] = [];
    get('fresh').on('input', (m) => fresh.push(m));
    get('h1').receive({ payload: member('A1') });
    get('h1').receive({ payload: Buffer.from(JSON.stringify(member('B2')[0])) });
    get('h1').receive({ payload: JSON.stringify(member('B2')[0]) }); // redelivered
    get('h1').receive({ payload: { junk: true } });
    get('h1').receive({ topic: 'gatewatch/share/Z9', payload: member('A1')[0] }); // claims another member: refused
    await new Promise((r) => setTimeout(r, 100));
    expect(fresh.map((m) => m.payload.attacker.ip).sort()).to.deep.equal(['198.51.100.7', '203.0.113.200']);
    const bl = next('answers');
    get('h1').receive({ command: 'blocklist' });
    const b = await bl;
    expect(b.payload.split('\n').filter((l: string) => l && !l.startsWith('#'))).to.deep.equal(['198.51.100.7', '203.0.113.200']);
    expect(b.headers['content-type']).to.match(/^text\/plain/);
    const st = next('answers');
    get('h1').receive({ command: 'stats' });
    expect((await st).payload).to.deep.include({ summaries: 3, members: 2, duplicates: 1, invalid: 2 });
    const rp = next('answers');
    get('h1').receive({ command: 'report', to: '2026-11-30T00:00:00Z' });
    const r = await rp;
    expect(r.payload).to.contain('<h1>Regional threat picture for Test</h1>');
    expect(r.report.text).to.contain('198.51.100.7');
  });

  it('keeps its summaries across a redeploy (SQLite file)', async () => {
    const db = join(dir, 'hub.sqlite');
    await helper.load(hubNode, flow(db));
    get('h1').receive({ payload: member('A1') });
    await new Promise((r) => setTimeout(r, 50));
    await helper.unload();
    await helper.load(hubNode, flow(db));
    const st = next('answers');
    get('h1').receive({ command: 'stats' });
    expect((await st).payload).to.deep.include({ summaries: 2, members: 1 });
  });

  it('the editor file declares every default', () => {
    const html = readFileSync(join(ROOT, 'dist/nodes/gatewatch-hub/gatewatch-hub.html'), 'utf8');
    expect(html).to.contain("RED.nodes.registerType('gatewatch-hub'");
    for (const k of ['region', 'dbPath', 'retentionDays', 'minMembers', 'blocklistDays', 'top', 'name']) expect(html, k).to.contain(`id="node-input-${k}"`);
    expect(html).to.contain('data-help-name="gatewatch-hub"');
  });

  it('an unknown command is an error', async () => {
    await helper.load(hubNode, flow(join(dir, 'x.sqlite')));
    const n = helper.getNode('h1') as unknown as { on(ev: string, cb: (c: any) => void): void };
    const err = new Promise<any>((resolve) => n.on('call:error', resolve));
    get('h1').receive({ command: 'launch' });
    expect(String((await err).args[0])).to.contain('gatewatch-hub.errors.badCommand');
  });
});

describe('shipped flows (examples/, flows/)', () => {
  const read = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));
  it('are plain arrays of nodes; the hub example is the hub flow; every share/hub node type appears in an example', () => {
    const files = ['examples/Regional hub.json', 'examples/Share with the hub over MQTT.json', 'examples/Share over HTTPS with retry.json', 'flows/gatewatch-hub.json'];
    const types = new Set<string>();
    for (const f of files) {
      const flow = read(f);
      expect(flow, f).to.be.an('array');
      for (const n of flow) { expect(n.id, f).to.be.a('string'); expect(n.type, f).to.be.a('string'); types.add(n.type); }
      expect(flow.some((n: { type: string }) => n.type === 'comment'), `${f} explains itself`).to.equal(true);
    }
    expect(read('examples/Regional hub.json')).to.deep.equal(read('flows/gatewatch-hub.json'));
    expect([...types]).to.include.members(['gatewatch-share', 'gatewatch-hub', 'mqtt in', 'mqtt out', 'http request', 'http in', 'http response', 'catch', 'delay']);
  });
});
