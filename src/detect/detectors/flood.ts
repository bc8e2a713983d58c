/**
 * Floods (MITRE T1498): more packets or connections than a threshold within a short window, from one
 * address, or to one of your addresses from many (a denial-of-service attack). A fast port scan is
 * reported as a scan, not also as a flood.
 */
import { NEEDS_PROFILE, type DetectorDef, type Detector, type Ctx } from '../detector';
import type { DetectConfig } from '../config';
import { place, plural } from '../incidents';
import type { Obs } from '../obs';
import { AddressTable, type Clocked } from '../util';

class Target implements Clocked {
  hot = true;
  start = 0;
  count = 0;
  peak = 0;
  /** Space-saving top talkers while the window is busy. */
  top: Array<[string, number]> = [];
}

export const flood: DetectorDef = {
  id: 'flood',
  kinds: {
    flood: {
      technique: { id: 'T1498', name: 'Network Denial of Service', tactic: 'Impact' },
      describe(inc) {
        const peak = Number(inc.details.peak_per_window ?? 0);
        const win = Number(inc.details.window_s ?? 10);
        const rate = Math.round(peak / win);
        const toUs = inc.subtype === 'ddos';
        const v = inc.victims[0]?.ip ?? 'your network';
        let score = 50 + (inc.allowed > 0 ? 10 : 0) + (Number(inc.details.times_threshold ?? 1) >= 10 ? 15 : 0);
        return {
          score,
          confidence: 'medium',
          summary: toUs
            ? `${v} is being flooded: about ${rate} packets per second from many addresses (${plural(inc.events, 'packet')} logged so far), which can slow down or cut off your Internet connection.`
            : `${place(inc.attacker)} sent about ${rate} packets per second to ${v} (${plural(inc.events, 'packet')} logged), a flood that can slow down your connection.`,
          advice: toUs
            ? 'If your connection is slow or down, call your Internet provider: they can filter a flood before it reaches you. Keep this report for them.'
            : 'Block this address at the firewall; if the connection suffers, ask your Internet provider to filter it.',
        };
      },
    },
  },
  create(cfg: DetectConfig): Detector {
    const c = cfg.flood;
    const winMs = c.windowS * 1000;
    const targets = new AddressTable<Target>(4096);
    return {
      id: 'flood',
      needs: NEEDS_PROFILE,
      tables: () => ({ targets: targets.size }),
      process(o: Obs, ctx: Ctx): void {
        const p = ctx.profile;
        if (p === null) return;
        // From one source.
        const n = p.rate(o.t, winMs, o.packets);
        const fi = p.floodInc;
        if (fi !== null && ctx.current(fi, o.t)) {
          fi.add(o, o.dst, o.dport);
          fi.details.peak_per_window = Math.max(Number(fi.details.peak_per_window ?? 0), n);
          ctx.changed(fi, o.t);
        } else if (n >= c.sourceEvents && (p.scanInc === null || p.scanInc.closed)) {
          const inc = ctx.incident('flood|' + p.ip, 'flood', o, 'source');
          if (inc !== null) {
            p.floodInc = inc;
            inc.subtype = 'source';
            inc.details.window_s = c.windowS;
            inc.details.peak_per_window = n;
            inc.details.times_threshold = Math.floor(n / c.sourceEvents);
            inc.add(o, o.dst, o.dport, n);
            inc.first = Math.min(inc.first, p.rateStart);
            ctx.changed(inc, o.t);
          }
        }
        // To one destination.
        const dn = o.dn;
        let tg = targets.get(o.dst, dn);
        if (tg === undefined) { tg = new Target(); targets.set(o.dst, dn, tg); }
        if (o.t - tg.start >= winMs || o.t < tg.start - winMs) { tg.start = o.t; tg.count = 0; tg.top.length = 0; }
        tg.count += o.packets;
        if (tg.count > tg.peak) tg.peak = tg.count;
        if (tg.count * 4 >= c.destEvents) {
          const top = tg.top;
          let hit = false;
          for (const e of top) if (e[0] === o.src) { e[1]++; hit = true; break; }
          if (!hit) {
            if (top.length < 8) top.push([o.src, 1]);
            else { let m = 0; for (let i = 1; i < 8; i++) if (top[i]![1] < top[m]![1]) m = i; top[m] = [o.src, top[m]![1] + 1]; }
          }
        }
        // (the key only when it is used: no string built per event)
        const near = tg.count >= c.destEvents || tg.count * 4 >= c.destEvents;
        const dkey = near ? 'flood|dst|' + o.dst : '';
        const open = near ? ctx.find(dkey, o.t) : undefined;
        if (open !== undefined) {
          open.add(o, o.dst, o.dport);
          open.details.peak_per_window = tg.peak;
          open.details.top_sources = tg.top.map((e) => e[0]);
          ctx.changed(open, o.t);
        } else if (tg.count >= c.destEvents) {
          // Many senders, or one already reported as a source flood? Report the target as flooded.
          const inc = ctx.incident(dkey, 'flood', o, 'source');
          if (inc !== null) {
            inc.subtype = 'ddos';
            inc.details.window_s = c.windowS;
            inc.details.peak_per_window = tg.peak;
            inc.details.times_threshold = Math.floor(tg.count / c.destEvents);
            inc.details.top_sources = tg.top.map((e) => e[0]);
            inc.add(o, o.dst, o.dport, tg.count);
            ctx.changed(inc, o.t);
          }
        }
      },
    };
  },
};
