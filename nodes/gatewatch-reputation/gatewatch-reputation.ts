/**
 * gatewatch reputation: is either side of the connection on a known-bad list? Adds
 * threat.enrichments[] (ECS) for source and destination alike; optionally asks AbuseIPDB about
 * addresses that are already suspicious (on a list, or repeatedly denied), within a daily budget.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { GwEvent } from '../../src/event';
import { AbuseIpdb } from '../../src/enrich/abuseipdb';
import { BoundedCache } from '../../src/enrich/geo';
import { ReputationIndex } from '../../src/enrich/reputation';
import { addressScope } from '../../src/enrich/scope';
import type { Site } from '../../src/enrich/site';
import { compact, RateMeter, ThrottledStatus } from '../lib/status';
import type { FeedsNode } from '../gatewatch-feeds/gatewatch-feeds';

interface RepNodeDef extends NodeDef {
  feeds?: string;
  site?: string;
  abuseipdb?: boolean;
  abuseBaseUrl?: string;
  abuseBudget?: number | string;
  abuseTtlH?: number | string;
  abuseMinDenies?: number | string;
}

interface SiteLike { site?: Site }

function isEvent(p: unknown): p is GwEvent {
  return typeof p === 'object' && p !== null && typeof (p as GwEvent).source === 'object' && (p as GwEvent).source !== null
    && typeof (p as GwEvent).destination === 'object' && (p as GwEvent).destination !== null;
}

/** At most this many events wait for AbuseIPDB at once; beyond that they go on without its answer. */
const MAX_PENDING = 200;

export = function (RED: NodeAPI) {
  function GatewatchReputationNode(this: Node, config: RepNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const feeds = config.feeds ? (RED.nodes.getNode(config.feeds) as unknown as FeedsNode | null) : null;
    const site = config.site ? (RED.nodes.getNode(config.site) as unknown as SiteLike | null)?.site : undefined;
    let index: ReputationIndex = feeds ? feeds.index() : ReputationIndex.empty();
    const unsubscribe = feeds ? feeds.onChange((idx) => { index = idx; status.touch(); }) : () => undefined;
    if (!feeds) node.warn(RED._('gatewatch-reputation.errors.noFeeds'));

    let abuse: AbuseIpdb | null = null;
    const apiKey = (node.credentials as { apiKey?: string } | undefined)?.apiKey;
    if (config.abuseipdb && apiKey) {
      const userDir = (RED.settings as unknown as { userDir?: string }).userDir || tmpdir();
      abuse = new AbuseIpdb({
        apiKey,
        baseUrl: (config.abuseBaseUrl || '').trim() || undefined,
        dailyBudget: Number(config.abuseBudget) > 0 ? Number(config.abuseBudget) : 1000,
        ttlS: Number(config.abuseTtlH) > 0 ? Number(config.abuseTtlH) * 3600 : 86400,
        stateFile: join(userDir, 'gatewatch-abuseipdb', `budget-${node.id.replace(/[^A-Za-z0-9_-]/g, '_')}.json`),
      });
    } else if (config.abuseipdb) node.warn(RED._('gatewatch-reputation.errors.noKey'));
    const minDenies = Number(config.abuseMinDenies) > 0 ? Number(config.abuseMinDenies) : 10;
    const denies = new BoundedCache<number>(20000);

    const rate = new RateMeter();
    let events = 0, matched = 0, bad = 0, pending = 0;
    const status = new ThrottledStatus(node, () => {
      const s = feeds?.feedSet?.summary();
      const problems = (s ? s.failures + s.rejected : 0) + bad;
      let text = `${compact(rate.perSecond())}/s · ${compact(matched)} on lists`;
      if (s) text += ` · ${s.withData}/${s.feeds} lists, ${compact(s.entries)} entries`;
      if (s && (s.failures || s.rejected)) text += ` · ${s.failures + s.rejected} bad downloads`;
      if (abuse) text += ` · AbuseIPDB ${abuse.remaining()} left`;
      if (bad) text += ` · ${compact(bad)} bad`;
      const fill = !s || s.withData === 0 ? 'grey' : problems ? 'yellow' : 'green';
      return { fill, shape: s && s.withData ? 'dot' : 'ring', text };
    });
    status.touch();

    /** The public address worth asking AbuseIPDB about, or undefined. */
    function suspicious(ev: GwEvent, hits: number): string | undefined {
      if (hits > 0) {
        const e = ev.threat!.enrichments;
        return e[e.length - 1]!.indicator.ip;
      }
      if (ev.event?.action !== 'deny') return undefined;
      const ip = ev.source.ip;
      if (typeof ip !== 'string' || (ev.source.address_scope ?? addressScope(ip)) !== 'public' || site?.isHome(ip)) return undefined;
      const n = (denies.get(ip) ?? 0) + 1;
      denies.set(ip, n);
      return n >= minDenies ? ip : undefined;
    }

    function attach(ev: GwEvent, a: ReturnType<AbuseIpdb['cached']>): void {
      if (a) (ev.gatewatch ??= {}).abuseipdb = a;
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      const ev = msg.payload;
      if (!isEvent(ev)) {
        bad++;
        status.touch();
        done(new Error(RED._('gatewatch-reputation.errors.notEvent')));
        return;
      }
      rate.add();
      events++;
      let hits: number;
      try {
        hits = index.enrich(ev, site);
      } catch (e) {
        bad++;
        status.touch();
        done(e as Error);
        return;
      }
      if (hits) matched++;
      status.touch();
      if (abuse) {
        const ip = suspicious(ev, hits);
        if (ip !== undefined) {
          const c = abuse.cached(ip);
          if (c !== undefined) attach(ev, c);
          else if (pending < MAX_PENDING && abuse.remaining() > 0) {
            pending++;
            void abuse.check(ip).then((a) => {
              pending--;
              attach(ev, a);
              send(msg);
              done();
            });
            return;
          }
        }
      }
      send(msg);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe();
      status.close();
      done();
    });
  }
  RED.nodes.registerType('gatewatch-reputation', GatewatchReputationNode, {
    credentials: { apiKey: { type: 'password' } },
  });
};
