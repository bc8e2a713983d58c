/**
 * gatewatch hub: the regional hub's node. Summaries in (from an mqtt in node, an http in node, anything)
 * are checked, de-duplicated and stored in an SQLite file (src/share/hub.ts), so a restart loses nothing.
 * A message with msg.command asks a question instead: report | blocklist | picture | stats | prune;
 * the answer leaves on output 1. Output 2 carries each attacker the region has never seen before.
 */
import { isAbsolute, join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { Hub, memberFromTopic } from '../../src/share/hub';
import { compact, RateMeter, ThrottledStatus } from '../lib/status';

interface HubNodeDef extends NodeDef {
  dbPath?: string;
  retentionDays?: number | string;
  minMembers?: number | string;
  blocklistDays?: number | string;
  region?: string;
  top?: number | string;
}

type Msg = NodeMessageInFlow & {
  command?: string; from?: string; to?: string; headers?: Record<string, string>; report?: unknown;
  /** From an http in node: ?from=…&to=… */
  req?: { query?: Record<string, unknown> };
};

/** msg.from / msg.to, or the same in the query string of an http in request. */
function period(msg: Msg, key: 'from' | 'to'): string | undefined {
  const v = msg[key] ?? msg.req?.query?.[key];
  return typeof v === 'string' && v.length <= 40 && Number.isFinite(Date.parse(v)) ? new Date(Date.parse(v)).toISOString() : undefined;
}

const BATCH_MAX = 500;
const BATCH_MS = 20;

function num(v: unknown, dflt: number, lo: number, hi: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n >= lo && n <= hi ? n : dflt;
}

export = function (RED: NodeAPI) {
  function GatewatchHubNode(this: Node, config: HubNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();
    const file = (config.dbPath || 'gatewatch-hub.sqlite').trim();
    const path = file === ':memory:' || isAbsolute(file) ? file : join(userDir, file);
    const minMembers = num(config.minMembers, 2, 1, 10000);
    const blocklistDays = num(config.blocklistDays, 30, 1, 3650);
    const top = num(config.top, 10, 1, 1000);
    let hub: Hub;
    try {
      hub = new Hub({ path, retentionDays: num(config.retentionDays, 120, 1, 3650) });
    } catch (err) {
      node.error(RED._('gatewatch-hub.errors.open', { path, error: (err as Error).message }));
      node.status({ fill: 'red', shape: 'ring', text: 'gatewatch-hub.status.noDatabase' });
      node.on('input', (_m: NodeMessageInFlow, _s: unknown, done: (e?: Error) => void) => done(new Error(RED._('gatewatch-hub.errors.notOpen'))));
      return;
    }
    const rate = new RateMeter();
    let invalid = 0, lastWarn = 0;
    const status = new ThrottledStatus(node, () => {
      const st = hub.quickStats();
      return {
        fill: invalid ? 'yellow' : 'green',
        text: `${compact(rate.perSecond())}/s · ${compact(st.summaries)} summaries · ${compact(st.members)} members · ${compact(st.attackers)} attackers${invalid ? ` · ${compact(invalid)} bad` : ''}`,
      };
    }, 5000);
    status.touch();
    const pruneTimer = setInterval(() => { try { hub.prune(); status.touch(); } catch (err) { node.error(err); } }, 3600000);
    pruneTimer.unref?.();

    node.on('input', (msg: Msg, send, done) => {
      try {
        const cmd = typeof msg.command === 'string' ? msg.command : undefined;
        if (cmd) {
          flush(); // answer with everything received so far
          switch (cmd) {
            case 'report': {
              const r = hub.weeklyReport({ to: period(msg, 'to'), top, region: config.region || undefined });
              msg.payload = r.html;
              msg.report = { text: r.text, picture: r.picture };
              msg.topic = 'gatewatch/hub/report';
              break;
            }
            case 'blocklist':
              msg.payload = hub.blocklist({ minMembers, days: blocklistDays });
              msg.headers = { ...(msg.headers ?? {}), 'content-type': 'text/plain; charset=utf-8' };
              msg.topic = 'gatewatch/hub/blocklist';
              break;
            case 'picture':
              msg.payload = hub.picture({ from: period(msg, 'from'), to: period(msg, 'to'), top });
              msg.topic = 'gatewatch/hub/picture';
              break;
            case 'stats':
              msg.payload = hub.stats();
              break;
            case 'prune':
              msg.payload = { pruned: hub.prune() };
              break;
            default:
              done(new Error(RED._('gatewatch-hub.errors.badCommand', { command: cmd.slice(0, 40) })));
              return;
          }
          send([msg, null]);
          done();
          return;
        }
        const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
        // From MQTT the topic names the sender (the broker's ACL lets each member write only its own
        // topic): a summary claiming another member's code is refused.
        queue.push({ items, send, done, from: memberFromTopic(msg.topic) });
        queued += items.length;
        // Summaries are stored in small batches (one database transaction each): many times faster than
        // one by one under load, and at most BATCH_MS later when traffic is light.
        if (queued >= BATCH_MAX) flush();
        else if (!timer) timer = setTimeout(flush, BATCH_MS);
      } catch (err) {
        done(err as Error);
      }
    });

    type Pending = { items: unknown[]; from?: string; send: (m: Msg | (Msg | Msg[] | null)[]) => void; done: (err?: Error) => void };
    let queue: Pending[] = [];
    let queued = 0;
    let timer: NodeJS.Timeout | null = null;
    function flush(): void {
      if (timer) { clearTimeout(timer); timer = null; }
      const batch = queue;
      queue = [];
      queued = 0;
      if (batch.length === 0) return;
      let results: ReturnType<Hub['ingestBatch']>;
      try {
        results = hub.ingestBatch(batch.flatMap((p) => p.items), batch.flatMap((p) => p.items.map(() => p.from)));
      } catch (err) {
        for (const p of batch) p.done(err as Error);
        return;
      }
      let k = 0, bad = 0;
      for (const p of batch) {
        const fresh: Msg[] = [];
        for (let i = 0; i < p.items.length; i++) {
          const r = results[k++]!;
          rate.add();
          if (r.result === 'invalid' || r.result === 'over-quota') bad++;
          else if (r.newAttacker && r.summary) fresh.push({ _msgid: RED.util.generateId(), topic: 'gatewatch/hub/new-attacker', payload: r.summary } as Msg);
        }
        if (fresh.length) p.send([null, fresh]);
        p.done();
      }
      status.touch();
      if (bad) {
        invalid += bad;
        // Members' input is untrusted: count it, and say so at most once a minute.
        if (Date.now() - lastWarn > 60000) { lastWarn = Date.now(); node.warn(RED._('gatewatch-hub.errors.invalid', { count: String(invalid) })); }
      }
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      try { flush(); } catch { /* reported per message */ }
      clearInterval(pruneTimer);
      status.close();
      try { hub.close(); } catch { /* already closed */ }
      done();
    });
  }
  RED.nodes.registerType('gatewatch-hub', GatewatchHubNode);
};
