/**
 * The hub engine's ingest rate on one core: summaries (JSON text, as they arrive from MQTT) checked,
 * de-duplicated and stored in SQLite. Cases: one transaction per summary (what the MQTT path does: ack
 * after store) on a file, batches of 500 on a file, one by one in memory; the peer is the floor cost
 * of the same input with no database (JSON.parse + validation + a Map keyed by member|id).
 * Medians of 5 runs, each on a fresh database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hub, validateSummary } from '../src/share/hub';
import { makeMembers } from '../test/helpers/members';
import { fmtRate, median } from './util';

function time(fn: () => void): number {
  const s = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - s) / 1e9;
}

export async function run(): Promise<void> {
  // 200 members x 60 incidents, with growth and repeats: ~20k messages.
  const msgs = makeMembers(200, 60, 3).flatMap((m) => m.messages);
  const n = msgs.length;
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-hub-'));
  const RUNS = 5;
  const cases: Record<string, () => number> = {
    'peer: JSON.parse + validate + Map (no database)': () => {
      const m = new Map<string, unknown>();
      return time(() => { for (const t of msgs) { const s = validateSummary(t); if (s) m.set(`${s.member}|${s.id}`, s); } });
    },
    'hub, SQLite file, one transaction per summary': () => {
      const path = join(dir, `one-${Math.random()}.sqlite`);
      const hub = new Hub({ path });
      const t = time(() => { for (const m of msgs) hub.ingest(m); });
      hub.close();
      return t;
    },
    'hub, SQLite file, batches of 500': () => {
      const path = join(dir, `batch-${Math.random()}.sqlite`);
      const hub = new Hub({ path });
      const t = time(() => { for (let i = 0; i < n; i += 500) hub.ingestMany(msgs.slice(i, i + 500)); });
      hub.close();
      return t;
    },
    'hub, in memory, one by one': () => {
      const hub = new Hub();
      const t = time(() => { for (const m of msgs) hub.ingest(m); });
      hub.close();
      return t;
    },
  };
  console.log(`${n} summaries (${(msgs.reduce((a, m) => a + m.length, 0) / n).toFixed(0)} bytes each on average), median of ${RUNS} runs`);
  for (const [name, fn] of Object.entries(cases)) {
    fn(); // warm-up
    const ts: number[] = [];
    for (let i = 0; i < RUNS; i++) ts.push(fn());
    console.log(`  ${name.padEnd(50)} ${fmtRate(n / median(ts)).padStart(10)}`);
  }
  // Query cost on the full table.
  const hub = new Hub({ path: join(dir, 'q.sqlite') });
  hub.ingestMany(msgs);
  const q = median([0, 1, 2, 3, 4].map(() => time(() => hub.picture({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', top: 20 }))));
  const b = median([0, 1, 2, 3, 4].map(() => time(() => hub.blocklist())));
  console.log(`  picture over ${hub.stats().summaries} summaries: ${(q * 1000).toFixed(1)} ms; blocklist: ${(b * 1000).toFixed(1)} ms`);
  hub.close();
  rmSync(dir, { recursive: true, force: true });
  await runMqtt();
  await runFlow();
}

/**
 * End to end on this machine, when Mosquitto is installed: 50 members publish QoS 1 through a real
 * broker; the hub's client acks each message only after it is stored (one transaction per message).
 * (Batching behind the ack does not work with mqtt.js: it hands over the next message only after the
 * previous one is acknowledged.)
 */
export async function runMqtt(): Promise<void> {
  // Loaded lazily: the engine figures above need neither.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Broker, mosquittoAvailable } = require('../test/helpers/mosquitto') as typeof import('../test/helpers/mosquitto');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mqtt = require('mqtt') as typeof import('mqtt');
  if (!mosquittoAvailable()) { console.log('  (Mosquitto not installed: end-to-end figure skipped)'); return; }
  const members = makeMembers(50, 150, 5);
  const total = members.reduce((n, m) => n + m.messages.length, 0);
  const broker = new Broker();
  await broker.start();
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-hubmq-'));
  const hub = new Hub({ path: join(dir, 'hub.sqlite') });
  let stored = 0;
  const sub = mqtt.connect(broker.url, { clientId: 'bench-hub', clean: false, reconnectPeriod: 0 });
  sub.handleMessage = (packet, cb) => { hub.ingest(packet.payload as Buffer); stored++; cb(); };
  await new Promise<void>((r) => sub.once('connect', () => r()));
  await sub.subscribeAsync('gatewatch/share/#', { qos: 1 });
  const pubs = await Promise.all(members.map((m) => mqtt.connectAsync(broker.url, { clientId: `bench-${m.code}`, clean: true })));
  const t0 = process.hrtime.bigint();
  await Promise.all(members.map((m, i) => Promise.all(m.messages.map((msg) => pubs[i]!.publishAsync(`gatewatch/share/${m.code}`, msg, { qos: 1 })))));
  while (stored < total) await new Promise((r) => setTimeout(r, 5));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`  MQTT end to end (ack after store, one transaction each): ${total} summaries from 50 members in ${secs.toFixed(2)} s = ${fmtRate(total / secs)}`);
  await Promise.all(pubs.map((c) => c.endAsync()));
  await sub.endAsync();
  hub.close();
  await broker.destroy();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The shipped hub flow in a real Node-RED (core mqtt in → gatewatch hub, batched writes) fed by 50
 * members through a real Mosquitto: summaries/s from the first publish until the hub's picture holds
 * them all.
 */
export async function runFlow(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Broker, mosquittoAvailable } = require('../test/helpers/mosquitto') as typeof import('../test/helpers/mosquitto');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { NodeRed } = require('../test/helpers/nodered-api') as typeof import('../test/helpers/nodered-api');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mqtt = require('mqtt') as typeof import('mqtt');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  if (!mosquittoAvailable()) return;
  const members = makeMembers(50, 150, 9);
  const distinct = new Set(members.flatMap((m) => m.messages.map((x) => { const s = JSON.parse(x); return `${s.member}|${s.id}`; }))).size;
  const total = members.reduce((n, m) => n + m.messages.length, 0);
  const broker = new Broker();
  await broker.start();
  const red = new NodeRed();
  const flow = JSON.parse(readFileSync(join(__dirname, '..', '..', 'flows', 'gatewatch-hub.json'), 'utf8')) as Record<string, unknown>[];
  for (const n of flow) {
    if (n.type === 'mqtt-broker') Object.assign(n, { broker: '127.0.0.1', port: String(broker.port), usetls: false, tls: '' });
    if (n.type === 'gatewatch-hub') Object.assign(n, { dbPath: join(red.userDir, 'hub.sqlite') });
    if (n.type === 'file') n.filename = join(red.userDir, 'report.html');
  }
  try {
    await red.start();
    await red.deploy(flow);
    while (!red.log.includes('gatewatch-hub-1@mqtt://')) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const pubs = await Promise.all(members.map((m) => mqtt.connectAsync(broker.url, { clientId: `benchflow-${m.code}`, clean: true })));
    const t0 = process.hrtime.bigint();
    await Promise.all(members.map((m, i) => Promise.all(m.messages.map((msg) => pubs[i]!.publishAsync(`gatewatch/share/${m.code}`, msg, { qos: 1 })))));
    for (;;) {
      const p = await (await fetch(`${red.url}/gatewatch/picture.json?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`)).json() as { totals: { incidents: number } };
      if (p.totals.incidents >= distinct) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`  hub flow in Node-RED (core mqtt in → gatewatch hub): ${total} summaries from 50 members in ${secs.toFixed(2)} s = ${fmtRate(total / secs)}`);
    await Promise.all(pubs.map((c) => c.endAsync()));
  } finally {
    await red.destroy();
    await broker.destroy();
  }
}
