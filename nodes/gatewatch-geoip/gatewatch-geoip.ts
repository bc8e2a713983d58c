/**
 * gatewatch geoip: adds address scope, direction (from the site) and where each public address is
 * (country, region, city, location, time zone; network owner with an ASN database). Thin glue over
 * src/enrich/geo.ts and site.ts.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { GwEvent } from '../../src/event';
import { GeoLookup, GeoMode, GeoSides, loadedGeoipMode } from '../../src/enrich/geo';
import { addressScope } from '../../src/enrich/scope';
import { Site } from '../../src/enrich/site';
import { compact, RateMeter, ThrottledStatus } from '../lib/status';

interface GeoNodeDef extends NodeDef {
  site?: string;
  mode?: GeoMode;
  sides?: GeoSides;
  cacheSize?: number | string;
  cityDb?: string;
  asnDb?: string;
}

interface SiteLike { site?: Site }

/** Messages held while the databases open (bounded). */
const MAX_WAITING = 10000;

function isEvent(p: unknown): p is GwEvent {
  return typeof p === 'object' && p !== null && typeof (p as GwEvent).source === 'object' && (p as GwEvent).source !== null
    && typeof (p as GwEvent).destination === 'object' && (p as GwEvent).destination !== null;
}

export = function (RED: NodeAPI) {
  function GatewatchGeoipNode(this: Node, config: GeoNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const siteNode = config.site ? (RED.nodes.getNode(config.site) as unknown as SiteLike | null) : null;
    const site = siteNode?.site ?? new Site();
    const mode: GeoMode = config.mode === 'country' || config.mode === 'off' ? config.mode : 'city';
    const sides: GeoSides = config.sides === 'source' || config.sides === 'destination' || config.sides === 'remote' ? config.sides : 'both';
    let geo: GeoLookup | null = null;
    let failed: Error | null = null;
    let waiting = 0;
    let bad = 0;
    let closed = false;
    const rate = new RateMeter();
    const status = new ThrottledStatus(node, () => {
      if (failed) return { fill: 'red', shape: 'ring', text: 'gatewatch-geoip.status.failed' };
      const c = geo?.cache;
      const total = c ? c.hits + c.misses : 0;
      const hitPct = total ? Math.round((100 * c!.hits) / total) : 0;
      return {
        fill: bad ? 'yellow' : 'green',
        text: `${compact(rate.perSecond())}/s · ${mode} · cache ${hitPct}% of ${compact(total)}` + (bad ? ` · ${compact(bad)} bad` : ''),
      };
    });

    const ready = GeoLookup.create({
      mode, sides,
      cacheSize: Number(config.cacheSize) > 0 ? Number(config.cacheSize) : undefined,
      cityDb: (config.cityDb || '').trim() || undefined,
      asnDb: (config.asnDb || '').trim() || undefined,
    }).then((g) => {
      geo = g;
      if (closed) return;
      node.status({ fill: 'grey', shape: 'ring', text: 'gatewatch-geoip.status.loading' });
      // Load geoip-lite's data now (once per process) rather than on the first message.
      setImmediate(() => {
        if (closed) return;
        try { g.preload(); } catch (e) { failed = e as Error; node.error(e); }
        if (mode === 'city' && !config.cityDb && loadedGeoipMode() === 'country') node.warn(RED._('gatewatch-geoip.errors.countryLoaded'));
        status.touch();
        status.flush();
      });
    }, (e: Error) => {
      failed = e;
      node.error(RED._('gatewatch-geoip.errors.open', { error: e.message }));
      node.status({ fill: 'red', shape: 'ring', text: 'gatewatch-geoip.status.failed' });
    });

    function handle(msg: NodeMessageInFlow, send: (m: NodeMessageInFlow) => void, done: (err?: Error) => void): void {
      const ev = msg.payload;
      if (!isEvent(ev)) {
        bad++;
        status.touch();
        done(new Error(RED._('gatewatch-geoip.errors.notEvent')));
        return;
      }
      rate.add();
      try {
        for (const ep of [ev.source, ev.destination]) {
          if (typeof ep.ip === 'string' && ep.address_scope === undefined) {
            const sc = addressScope(ep.ip);
            if (sc) ep.address_scope = sc;
          }
        }
        if (ev.network && typeof ev.network === 'object') {
          const d = site.direction(ev);
          if (d) ev.network.direction = d;
        }
        if (geo && !failed) geo.enrich(ev);
      } catch (e) {
        // A hand-built event with odd fields: count it, tell Catch nodes, keep the flow running.
        bad++;
        status.touch();
        done(e as Error);
        return;
      }
      status.touch();
      send(msg);
      done();
    }

    node.on('input', (msg, send, done) => {
      if (geo || failed) { handle(msg, send, done); return; }
      if (waiting >= MAX_WAITING) { bad++; done(new Error(RED._('gatewatch-geoip.errors.busy'))); return; }
      waiting++;
      void ready.then(() => { waiting--; if (!closed) handle(msg, send, done); else done(); });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      status.close();
      done();
    });
  }
  RED.nodes.registerType('gatewatch-geoip', GatewatchGeoipNode);
};
