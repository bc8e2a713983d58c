/**
 * The shipped flows in a real Node-RED with Node-RED's own mqtt and http nodes and a real Mosquitto:
 * - flows/gatewatch-hub.json (mqtt in on the shared subscription → gatewatch-hub → http endpoints),
 * - examples "Share with the hub over MQTT" (gatewatch-share → core mqtt out, QoS 1, persistent session),
 * - examples "Share over HTTPS with retry" (gatewatch-share → http request, catch/switch + delay loop).
 * 50 simulated members publish too; Node-RED (the hub) is restarted mid-way; the picture and the
 * blocklist served over HTTP equal what is computed independently; nothing internal crossed the broker.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import mqtt, { MqttClient } from 'mqtt';
import { Anonymiser, findLeaks, ShareSummary } from '../../src/share/anonymise';
import type { RegionalPicture } from '../../src/share/hub';
import { ROOT } from '../helpers/fixtures';
import { expectedFinal, makeMembers } from '../helpers/members';
import { Broker, requireMosquitto } from '../helpers/mosquitto';
import { NodeRed } from '../helpers/nodered-api';
import { validateBundle } from '../helpers/stix-validator';

type FlowNode = Record<string, any>;
const load = (p: string): FlowNode[] => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));
const SITE_SECRET = 'example-site-secret-77';
const SITE_NETS = '192.168.1.0/24';

async function waitFor<T>(f: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try { const v = await f(); if (v !== undefined) return v; } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('shipped hub and share flows in a real Node-RED with core mqtt/http nodes and Mosquitto', function () {
  this.timeout(180000);
  let broker: Broker;
  let red: NodeRed;
  let api: Server;
  const clients: MqttClient[] = [];

  before(function () { requireMosquitto(this); });
  after(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await red?.destroy();
    await broker?.destroy();
    api?.close();
  });

  it('members → broker → hub flow → picture and blocklist over HTTP, across a Node-RED restart; the HTTPS example retries', async () => {
    broker = new Broker();
    await broker.start();
    // A stand-in for the hub's HTTPS API: refuses twice (503), then accepts.
    const posts: { status: number; body: string }[] = [];
    api = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        const status = posts.length < 2 ? 503 : 200;
        posts.push({ status, body });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'busy');
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const apiPort = (api.address() as { port: number }).port;

    const captured: string[] = [];
    const spy = mqtt.connect(broker.url, { clientId: 'privacy-spy', clean: false, reconnectPeriod: 200 });
    clients.push(spy);
    spy.on('message', (t, p) => captured.push(`${t}\n${p.toString('utf8')}`));
    await new Promise<void>((r) => spy.once('connect', () => r()));
    await spy.subscribeAsync('#', { qos: 1 });

    red = new NodeRed();
    // The hub flow, pointed at the test broker (no TLS here) and at temp files.
    const hub = load('flows/gatewatch-hub.json');
    for (const n of hub) {
      if (n.type === 'mqtt-broker') Object.assign(n, { broker: '127.0.0.1', port: String(broker.port), usetls: false, tls: '' });
      if (n.type === 'gatewatch-hub') Object.assign(n, { dbPath: join(red.userDir, 'hub.sqlite'), top: 1000 });
      if (n.type === 'file') n.filename = join(red.userDir, 'report.html');
    }
    expect(hub.find((n) => n.type === 'mqtt in')!.topic).to.equal('$share/hub/gatewatch/share/#');
    expect(hub.find((n) => n.type === 'mqtt-broker')).to.deep.include({ cleansession: false, clientid: 'gatewatch-hub-1' });
    // The MQTT example: a member site on the same Node-RED (its own broker connection and client id).
    const ex = load('examples/Share with the hub over MQTT.json');
    for (const n of ex) {
      if (n.type === 'mqtt-broker') Object.assign(n, { broker: '127.0.0.1', port: String(broker.port), usetls: false, tls: '' });
      if (n.type === 'gatewatch-share') Object.assign(n, { homeNets: SITE_NETS, credentials: { secret: SITE_SECRET } });
    }
    expect(ex.find((n) => n.type === 'mqtt out')!.qos).to.equal('1');
    expect(ex.find((n) => n.type === 'mqtt-broker')).to.deep.include({ cleansession: false, usetls: false });
    // The HTTPS example, pointed at the stand-in API with short waits, fed by an inject node.
    const hx = load('examples/Share over HTTPS with retry.json');
    const tab = hx.find((n) => n.type === 'tab')!.id;
    for (const n of hx) {
      if (n.type === 'http request') Object.assign(n, { url: `http://127.0.0.1:${apiPort}/api`, tls: '' });
      if (n.type === 'function') n.func = n.func.replace('30000', '20');
      if (n.type === 'gatewatch-share') Object.assign(n, { homeNets: SITE_NETS, credentials: { secret: SITE_SECRET } });
    }
    const sample = ex.find((n) => n.type === 'inject')!;
    hx.push({ ...sample, id: 'test.https.inject', z: tab, wires: [[hx.find((n) => n.type === 'gatewatch-share')!.id]] });

    await red.start();
    await red.deploy([...hub, ...ex, ...hx]);
    await waitFor(() => (red.log.includes(`gatewatch-hub-1@mqtt://127.0.0.1:${broker.port}`) ? true : undefined), 20000, 'the hub to connect');
    await waitFor(() => (red.log.includes(`gatewatch-member-NW-0042@mqtt://127.0.0.1:${broker.port}`) ? true : undefined), 20000, 'the member to connect');

    const picture = async (): Promise<RegionalPicture> => {
      const r = await fetch(`${red.url}/gatewatch/picture.json?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`);
      expect(r.status).to.equal(200);
      return (await r.json()) as RegionalPicture;
    };

    // The example member sends one summary through Node-RED's own mqtt out.
    const inj = await fetch(`${red.url}/inject/${sample.id}`, { method: 'POST' });
    expect(inj.status).to.equal(200);
    await waitFor(async () => ((await picture()).totals.incidents === 1 ? true : undefined), 20000, 'the example summary at the hub');

    // 50 simulated members (mqtt.js, QoS 1, persistent sessions).
    const members = makeMembers(50, 6, 7);
    const pubs = members.map((m) => {
      const c = mqtt.connect(broker.url, { clientId: `member-${m.code}`, clean: false, reconnectPeriod: 200 });
      clients.push(c);
      return c;
    });
    await Promise.all(pubs.map((c) => new Promise<void>((r) => (c.connected ? r() : c.once('connect', () => r())))));
    const publish = (from: number, to: number) => Promise.all(members.map((m, i) => Promise.all(
      m.messages.slice(Math.floor(m.messages.length * from), Math.floor(m.messages.length * to)).map((msg) => pubs[i]!.publishAsync(`gatewatch/share/${m.code}`, msg, { qos: 1 })))));
    await publish(0, 0.5);

    // Node-RED (the hub) stops; members keep publishing; it comes back on the same userDir.
    await waitFor(async () => ((await picture()).totals.incidents > 1 ? true : undefined), 20000, 'the first half at the hub');
    await red.stop();
    await publish(0.5, 1);
    await red.start();

    const want = expectedFinal(members);
    const exampleSummary = captured.map((c) => c.split('\n').slice(1).join('\n')).map((p) => JSON.parse(p) as ShareSummary).find((s) => s.member === 'NW-0042')!;
    const finals = [...want.values(), exampleSummary];
    const wantTotals = {
      incidents: finals.length,
      events: finals.reduce((n, s) => n + s.event_count, 0),
      members: new Set(finals.map((s) => s.member)).size,
      attackers: new Set(finals.map((s) => s.attacker.ip)).size,
    };
    // Wait until every message (the grown versions too) has been stored.
    let last: unknown;
    const pic = await waitFor(async () => {
      const p = await picture();
      last = p.totals;
      return JSON.stringify(p.totals) === JSON.stringify(wantTotals) ? p : undefined;
    }, 60000, `the hub totals to reach ${JSON.stringify(wantTotals)}`).catch((e) => { throw new Error(`${(e as Error).message}; last seen ${JSON.stringify(last)}`); });
    expect(pic.totals).to.deep.equal(wantTotals);
    const per = new Map<string, Set<string>>();
    for (const s of finals) per.set(s.attacker.ip, (per.get(s.attacker.ip) ?? new Set()).add(s.member));
    for (const a of pic.topAttackers) expect(a.members, a.ip).to.equal(per.get(a.ip)!.size);

    // The blocklist over HTTP, in the plain IP list format.
    const bl = await fetch(`${red.url}/gatewatch/blocklist.txt`);
    expect(bl.headers.get('content-type')).to.match(/^text\/plain/);
    const listed = (await bl.text()).split('\n').filter((l) => l && !l.startsWith('#')).sort();
    const wantListed = [...per.entries()].filter(([ip, ms]) => ms.size >= 2 || finals.some((s) => s.attacker.ip === ip && (s.severity === 'high' || s.severity === 'critical'))).map(([ip]) => ip).sort();
    expect(listed).to.deep.equal(wantListed);
    const report = await fetch(`${red.url}/gatewatch/report.html`);
    expect(report.status).to.equal(200);
    expect(await report.text()).to.contain('Regional threat picture');

    // The HTTPS example: refused twice, retried, accepted; the same valid STIX bundle each time.
    const inj2 = await fetch(`${red.url}/inject/test.https.inject`, { method: 'POST' });
    expect(inj2.status).to.equal(200);
    await waitFor(() => (posts.length >= 3 ? true : undefined), 20000, 'three POSTs (two refused, one accepted)');
    expect(posts.map((p) => p.status)).to.deep.equal([503, 503, 200]);
    expect(new Set(posts.map((p) => p.body)).size).to.equal(1);
    expect(validateBundle(JSON.parse(posts[2]!.body))).to.deep.equal([]);

    // Privacy: everything that crossed the broker, and what was POSTed.
    const wire = captured.join('\n') + posts.map((p) => p.body).join('\n');
    const site = new Anonymiser({ member: 'NW-0042', homeNets: [SITE_NETS] });
    expect(findLeaks(wire, (ip) => site.isInternal(ip), [SITE_SECRET, 'office-router'], ['192.168.1.20'])).to.deep.equal([]);
    for (const m of members) {
      const a = new Anonymiser({ member: m.code, homeNets: m.homeNets });
      expect(findLeaks(wire, (ip) => a.isInternal(ip), [m.observer, m.secret], m.internalIps), m.code).to.deep.equal([]);
    }
  });
});
