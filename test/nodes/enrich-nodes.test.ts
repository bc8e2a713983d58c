import { expect } from 'chai';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { fakeAbuseIpdb } from '../helpers/abuseipdb-server';
import { FIXTURES, readLines, ROOT } from '../helpers/fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const siteNode = require('../../nodes/gatewatch-site/gatewatch-site');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const geoipNode = require('../../nodes/gatewatch-geoip/gatewatch-geoip');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const feedsNode = require('../../nodes/gatewatch-feeds/gatewatch-feeds');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const repNode = require('../../nodes/gatewatch-reputation/gatewatch-reputation');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parseNode = require('../../nodes/gatewatch-parse/gatewatch-parse');

helper.init(require.resolve('node-red'));

type Msg = { payload: any };

function event(src: string, dst: string, action: 'allow' | 'deny' = 'deny') {
  return {
    '@timestamp': '2026-11-23T10:00:00.000Z',
    event: { kind: 'event', category: ['network'], type: ['connection'], action, dataset: 'test' },
    observer: { vendor: 'test', product: 'test', type: 'firewall' },
    source: { ip: src, port: 40000 },
    destination: { ip: dst, port: 22 },
    network: { transport: 'tcp' },
  };
}

function nextMessage(n: any, ms = 5000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no message')), ms);
    n.once('input', (m: Msg) => { clearTimeout(t); resolve(m); });
  });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('nodes: gatewatch-site + gatewatch-geoip', function () {
  this.timeout(30000);
  beforeEach(() => helper.startServer());
  afterEach(async () => { await helper.unload(); await helper.stopServer(); });

  const flow = [
    { id: 'tab', type: 'tab' },
    { id: 'site', type: 'gatewatch-site', name: 'Office', homeNets: '192.168.0.0/16, 2001:db8:1::/48', publicAddresses: '198.51.100.20', wanInterfaces: 'ppp0', timezone: 'Europe/London', homeCountry: 'gb' },
    { id: 'geo', type: 'gatewatch-geoip', z: 'tab', site: 'site', mode: 'city', sides: 'remote', cacheSize: 1000, wires: [['out']] },
    { id: 'out', type: 'helper', z: 'tab' },
  ];

  it('adds scope, direction and geo for the remote party', async () => {
    await helper.load([siteNode, geoipNode], flow);
    const site = helper.getNode('site') as any;
    expect(site.timezone).to.equal('Europe/London');
    expect(site.homeCountry).to.equal('GB');
    const out = helper.getNode('out');
    const p = nextMessage(out);
    helper.getNode('geo').receive({ payload: event('81.2.69.160', '198.51.100.20') } as any);
    const m = await p;
    expect(m.payload.network.direction).to.equal('inbound');
    expect(m.payload.source.address_scope).to.equal('public');
    expect(m.payload.destination.address_scope).to.equal('reserved');
    expect(m.payload.source.geo).to.include({ country_iso_code: 'GB', country_name: 'United Kingdom', timezone: 'Europe/London' });
    expect(m.payload.destination.geo).to.equal(undefined);
    const p2 = nextMessage(out);
    helper.getNode('geo').receive({ payload: event('192.168.1.5', '8.8.8.8', 'allow') } as any);
    const m2 = await p2;
    expect(m2.payload.network.direction).to.equal('outbound');
    expect(m2.payload.source.geo).to.equal(undefined);
    expect(m2.payload.destination.geo.country_iso_code).to.equal('US');
  });

  it('reports a payload that is not an event through done(err) (what Catch nodes see)', async () => {
    await helper.load([siteNode, geoipNode], flow);
    const geo = helper.getNode('geo');
    const p = new Promise<any>((resolve) => (geo as any).on('call:error', (c: any) => resolve(c)));
    geo.receive({ payload: 'just text' } as any);
    const call = await p;
    expect(call.args[0].message).to.equal('gatewatch-geoip.errors.notEvent');
    expect(call.args[1].payload).to.equal('just text');
  });

  it('odd hand-built events do not break the node', async () => {
    await helper.load([siteNode, geoipNode], flow);
    const out = helper.getNode('out');
    const p = nextMessage(out);
    helper.getNode('geo').receive({ payload: { source: { ip: 12345 }, destination: { ip: ['x'] }, network: {} } } as any);
    const m = await p;
    expect(m.payload.source.geo).to.equal(undefined);
    const p2 = nextMessage(out);
    helper.getNode('geo').receive({ payload: event('81.2.69.160', '192.168.1.1') } as any);
    expect((await p2).payload.source.geo.country_iso_code).to.equal('GB');
  });

  it('an invalid site is reported and falls back to what is valid', async () => {
    await helper.load([siteNode], [{ id: 'site', type: 'gatewatch-site', homeNets: '192.168.0.0/16, 300.0.0.0/8', timezone: 'Mars/Base' }] as any[]);
    const site = helper.getNode('site') as any;
    expect(site.problems).to.have.length(2);
    expect(site.timezone).to.equal(undefined);
    expect(site.site.isHome('192.168.4.4')).to.equal(true);
    expect(site.site.isHome('10.0.0.1')).to.equal(false);
  });

  it('the parse node takes its time zone from the site when its own is blank', async () => {
    const line = readLines(join(FIXTURES, 'netfilter', 'ufw.log'))[0]!;
    const mk = (tz: string) => [
      { id: 'site', type: 'gatewatch-site', timezone: tz },
      { id: 'p', type: 'gatewatch-parse', site: 'site', tz: '', format: 'auto', wires: [['out'], []] },
      { id: 'out', type: 'helper' },
    ];
    const stamps: string[] = [];
    for (const tz of ['Europe/London', 'America/New_York']) {
      await helper.load([siteNode, parseNode], mk(tz));
      const p = nextMessage(helper.getNode('out'));
      helper.getNode('p').receive({ payload: line } as any);
      stamps.push((await p).payload['@timestamp']);
      await helper.unload();
    }
    expect(stamps[0]).to.not.equal(stamps[1]);
  });
});

describe('example flow: Who is knocking', function () {
  this.timeout(30000);
  beforeEach(() => helper.startServer());
  afterEach(async () => { await helper.unload(); await helper.stopServer(); });

  it('runs: a blocked attempt from the internet comes out with direction and geo', async () => {
    const flow: any[] = JSON.parse(readFileSync(join(ROOT, 'examples', 'Who is knocking - geo and reputation.json'), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'gw-example-'));
    try {
      for (const n of flow) {
        if (n.type === 'inject' || n.type === 'debug' || n.type === 'comment') { n.type = 'helper'; }
        if (n.x !== undefined) n.z = 'gw.ex.tab';
        if (n.type === 'gatewatch-feeds') n.storeDir = dir;
      }
      flow.unshift({ id: 'gw.ex.tab', type: 'tab' });
      await helper.load([siteNode, parseNode, geoipNode, feedsNode, repNode], flow);
      const line = flow.find((n) => n.id === 'gw.ex.enrich.in1').payload;
      const p = nextMessage(helper.getNode('gw.ex.enrich.debug'));
      helper.getNode('gw.ex.enrich.parse').receive({ payload: line } as any);
      const ev = (await p).payload;
      expect(ev.network.direction).to.equal('inbound');
      expect(ev.source.geo.country_iso_code).to.equal('GB');
      expect(ev.destination.address_scope).to.equal('private');
      expect(ev.threat).to.equal(undefined); // every list is off until the owner switches it on
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('nodes: gatewatch-feeds + gatewatch-reputation', function () {
  this.timeout(30000);
  let srv: http.Server;
  let url: string;
  let status = 200;
  let dir: string;
  const LIST = `# test list\n203.0.113.0/24\n${Array.from({ length: 20 }, (_, i) => `198.51.100.${i + 1}`).join('\n')}\n10.0.0.0/8\n`;
  beforeEach(async () => {
    status = 200;
    dir = mkdtempSync(join(tmpdir(), 'gw-nodefeeds-'));
    srv = http.createServer((_req, res) => { res.writeHead(status, { ETag: '"x"' }); res.end(status === 200 ? LIST : 'error'); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/list.netset`;
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  // A fresh node id per run: the AbuseIPDB budget is kept on disk per node.
  const repId = `rep${process.pid}${Date.now()}`;
  const flow = (extra: Record<string, unknown> = {}) => [
    { id: 'feeds', type: 'gatewatch-feeds', storeDir: dir, timeoutS: 2, feeds: [
      { name: 'Test list', url, format: 'plain', refreshS: 3600, enabled: true },
      { name: 'Switched off', url, format: 'plain', enabled: false },
    ] },
    { id: 'site', type: 'gatewatch-site', homeNets: '192.168.0.0/16' },
    { id: repId, type: 'gatewatch-reputation', feeds: 'feeds', site: 'site', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
  ];

  it('downloads the list, stores it, and marks both inbound and outbound contact', async () => {
    await helper.load([siteNode, feedsNode, repNode], flow());
    const feeds = helper.getNode('feeds') as any;
    await until(() => feeds.index().names.length === 1);
    expect(existsSync(join(dir, 'test-list.txt'))).to.equal(true);
    expect(JSON.parse(readFileSync(join(dir, 'test-list.json'), 'utf8'))).to.include({ etag: '"x"', count: 22 });
    const out = helper.getNode('out');
    let p = nextMessage(out);
    helper.getNode(repId).receive({ payload: event('203.0.113.9', '192.168.1.10') } as any);
    let m = await p;
    expect(m.payload.threat.enrichments).to.deep.equal([{
      indicator: { ip: '203.0.113.9', type: 'ipv4-addr', provider: 'Test list' },
      matched: { field: 'source.ip', atomic: '203.0.113.9', type: 'indicator_match_rule' },
      feed: { name: 'Test list' },
    }]);
    p = nextMessage(out);
    helper.getNode(repId).receive({ payload: event('192.168.1.10', '198.51.100.7', 'allow') } as any);
    m = await p;
    expect(m.payload.threat.enrichments[0].matched).to.include({ field: 'destination.ip', atomic: '198.51.100.7' });
    // The list names 10/8, but private addresses never match.
    p = nextMessage(out);
    helper.getNode(repId).receive({ payload: event('10.1.2.3', '192.168.1.10') } as any);
    m = await p;
    expect(m.payload.threat).to.equal(undefined);
  });

  it('a failed download is counted in the status, and the copy on disk keeps working', async () => {
    await helper.load([siteNode, feedsNode, repNode], flow());
    await until(() => (helper.getNode('feeds') as any).index().names.length === 1);
    await helper.unload();
    // Restart with the server failing: the saved copy is used, the failure shows in the status.
    status = 500;
    await helper.load([siteNode, feedsNode, repNode], flow());
    const feeds = helper.getNode('feeds') as any;
    expect(feeds.index().names).to.deep.equal(['Test list']);
    await feeds.feedSet.refresh(true);
    expect(feeds.feedSet.summary().failures).to.be.at.least(1);
    const rep = helper.getNode(repId) as any;
    const p = nextMessage(helper.getNode('out'));
    rep.receive({ payload: event('203.0.113.50', '192.168.1.10') } as any);
    expect((await p).payload.threat.enrichments).to.have.length(1);
    await until(() => rep.status.getCalls().some((c: any) => /bad downloads/.test(c.args[0]?.text ?? '')), 4000);
  });

  it('a hand-built event claiming a LAN address is "public" still never matches; odd fields are ignored', async () => {
    await helper.load([siteNode, feedsNode, repNode], flow());
    await until(() => (helper.getNode('feeds') as any).index().names.length === 1);
    const out = helper.getNode('out');
    const e: any = event('10.9.9.9', '192.168.1.10');
    e.source.address_scope = 'public';
    e.threat = 'not an object';
    let p = nextMessage(out);
    helper.getNode(repId).receive({ payload: e } as any);
    expect((await p).payload.threat).to.equal('not an object');
    p = nextMessage(out);
    helper.getNode(repId).receive({ payload: { source: { ip: 7 }, destination: {} } } as any);
    expect((await p).payload.threat).to.equal(undefined);
  });

  it('asks AbuseIPDB (local test server) about addresses on a list, with the key as a credential', async () => {
    const api = await fakeAbuseIpdb();
    try {
      await helper.load([siteNode, feedsNode, repNode], flow({ abuseipdb: true, abuseBaseUrl: api.base, abuseBudget: 5, abuseMinDenies: 3 }), { [repId]: { apiKey: 'test-key' } });
      await until(() => (helper.getNode('feeds') as any).index().names.length === 1);
      const out = helper.getNode('out');
      let p = nextMessage(out);
      helper.getNode(repId).receive({ payload: event('203.0.113.1', '192.168.1.10') } as any);
      let m = await p;
      expect(m.payload.gatewatch.abuseipdb).to.deep.equal({ score: 100, usage_type: 'Data Center/Web Hosting/Transit', reports: 42, isp: 'Example Hosting' });
      // Not on a list and allowed: nobody asks.
      p = nextMessage(out);
      helper.getNode(repId).receive({ payload: event('8.8.4.4', '192.168.1.10', 'allow') } as any);
      m = await p;
      expect(m.payload.gatewatch?.abuseipdb).to.equal(undefined);
      // Denied repeatedly: asked on the third.
      for (let i = 0; i < 3; i++) {
        p = nextMessage(out);
        helper.getNode(repId).receive({ payload: event('8.8.4.4', '192.168.1.10', 'deny') } as any);
        m = await p;
      }
      expect(m.payload.gatewatch.abuseipdb.score).to.equal(12);
      expect(api.hits).to.deep.equal(['203.0.113.1', '8.8.4.4']);
    } finally {
      await api.close();
      rmSync(join(tmpdir(), 'gatewatch-abuseipdb', `budget-${repId}.json`), { force: true });
    }
  });
});
