/**
 * gatewatch report: stores events (as hourly rollups) and incidents in an embedded database, and
 * produces the weekly/monthly report on schedule or on demand. Thin glue over src/report.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { GwEvent } from '../../src/event';
import type { Incident } from '../../src/detect/incident';
import { buildReport, formatShort, pickBucket } from '../../src/report/build';
import { senderProblems } from '../lib/senders';
import { fileStem, renderAll } from '../../src/report/render';
import {
  lastDue, monthlyPeriod, nextMonthly, nextWeekly, parseTime, Period, previousPeriod, weeklyPeriod,
} from '../../src/report/schedule';
import { ReportStore } from '../../src/report/store';
import { defaultTimezone, isValidTimezone } from '../../src/syslog/time';
import { compact, ThrottledStatus } from '../lib/status';

interface ReportNodeDef extends NodeDef {
  site?: string;
  storePath?: string;
  weekly?: boolean;
  weeklyDay?: number | string;
  weeklyTime?: string;
  monthly?: boolean;
  monthlyDay?: number | string;
  monthlyTime?: string;
  writeFiles?: boolean;
  folder?: string;
  retentionMonths?: number | string;
  maxSizeMB?: number | string;
  keepRawDays?: number | string;
  catchUp?: boolean;
}

interface SiteLike { name?: string; timezone?: string; homeCountry?: string }

const DAY = 86400000;
const HOUR = 3600000;

function isIncident(p: unknown): p is Incident {
  const o = p as Incident;
  return !!o && typeof o === 'object' && typeof o.id === 'string' && typeof o.type === 'string' && typeof o.severity === 'string' && !!o.attacker;
}
function isEvent(p: unknown): p is GwEvent {
  const o = p as GwEvent;
  return !!o && typeof o === 'object' && typeof o['@timestamp'] === 'string' && !!o.event && typeof o.event === 'object';
}
function num(v: unknown, def: number, min: number, max: number): number {
  const n = Number(v);
  return Number.isFinite(n) && v !== '' && v !== undefined && n >= min && n <= max ? n : def;
}

export = function (RED: NodeAPI) {
  function GatewatchReportNode(this: Node, config: ReportNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const site = config.site ? (RED.nodes.getNode(config.site) as unknown as SiteLike | null) : null;
    let tz = (site?.timezone || '').trim() || defaultTimezone();
    if (!isValidTimezone(tz)) {
      node.warn(RED._('gatewatch-report.errors.badTimezone', { tz }));
      tz = 'UTC';
    }
    const siteInfo = { name: site?.name || '', homeCountry: site?.homeCountry || '', timezone: tz };
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir || join(homedir(), '.node-red');
    const storePath = config.storePath ? (isAbsolute(config.storePath) ? config.storePath : join(userDir, config.storePath)) : join(userDir, 'gatewatch', 'gatewatch.db');
    const folder = config.folder ? (isAbsolute(config.folder) ? config.folder : join(userDir, config.folder)) : join(userDir, 'gatewatch', 'reports');
    const writeFiles = config.writeFiles !== false;

    let store: ReportStore;
    let storeErrors = 0;
    try {
      store = new ReportStore(storePath, {
        retentionMonths: num(config.retentionMonths, 13, 1, 120),
        maxBytes: num(config.maxSizeMB, 1024, 0, 1e7) * 1048576,
        keepRawDays: num(config.keepRawDays, 0, 0, 3650),
        onError: (err) => {
          storeErrors++;
          node.error(err);
        },
      });
    } catch (err) {
      node.error(err);
      node.status({ fill: 'red', shape: 'ring', text: 'gatewatch-report.status.storeError' });
      return;
    }

    let badInput = 0;
    let lastReport = '';
    const status = new ThrottledStatus(node, () => {
      const s = store.stats;
      const text = `${compact(s.acknowledged + s.pending)} events · ${compact(s.incidents)} incidents`
        + (lastReport ? ` · ${lastReport}` : '') + (badInput ? ` · ${compact(badInput)} bad` : '');
      return { fill: badInput || storeErrors ? 'yellow' : 'green', text };
    });
    status.set('grey', RED._('gatewatch-report.status.ready'));

    const weeklyOn = config.weekly !== false, monthlyOn = config.monthly !== false;
    const weeklyDay = num(config.weeklyDay, 1, 0, 6);
    const [wh, wm] = parseTime(config.weeklyTime);
    const monthlyDay = num(config.monthlyDay, 1, 1, 28);
    const [mh, mm] = parseTime(config.monthlyTime);
    const nextW = (t: number) => nextWeekly(t, tz, weeklyDay, wh, wm);
    const nextM = (t: number) => nextMonthly(t, tz, monthlyDay, mh, mm);

    /** Build, render, write and send one report. */
    function produce(period: Period, send: (m: NodeMessageInFlow) => void, base?: NodeMessageInFlow): void {
      const prev = previousPeriod(period, tz);
      const cur = store.query(period.from, period.to, { bucketMs: pickBucket(period.to - period.from) });
      const before = store.query(prev.from, prev.to, { bucketMs: pickBucket(prev.to - prev.from) });
      const report = buildReport({
        from: period.from, to: period.to, kind: period.kind, incidents: cur.incidents, rollups: cur.rollups,
        previous: { from: prev.from, to: prev.to, incidents: before.incidents, rollups: before.rollups }, site: siteInfo,
        watchingSince: store.oldestMs() ?? undefined, clocks: cur.clocks,
        // (what the parse nodes know of the boxes sending logs is about now: only for a period that ends about now)
        senders: period.to >= Date.now() - 86_400_000 ? senderProblems(config.site || '', period.from) : undefined,
      });
      const out = renderAll(report);
      let filename: string | undefined;
      if (writeFiles) {
        mkdirSync(folder, { recursive: true });
        filename = join(folder, `${fileStem(report)}.html`);
        writeFileSync(filename, out.fileHtml);
        writeFileSync(join(folder, `${fileStem(report)}-incidents.csv`), out.csv);
      }
      const msg = (base ?? {}) as NodeMessageInFlow & Record<string, unknown>;
      msg.topic = out.subject;
      msg.payload = out.emailHtml;
      msg.text = out.text;
      msg.attachments = out.attachments;
      msg.report = report;
      msg.period = { kind: period.kind, from: report.period.from, to: report.period.to };
      if (filename) msg.filename = filename;
      // The status names the file: relative to the Node-RED folder when it is inside it, else in full.
      const shown = filename ? (relative(userDir, filename).startsWith('..') ? filename : relative(userDir, filename)) : '';
      lastReport = `report ${formatShort(Date.now(), tz)}${shown ? ` → ${shown}` : ''}`;
      if (filename) node.log(RED._('gatewatch-report.log.written', { file: filename }));
      status.touch();
      send(msg);
    }

    // Schedule: one timer, re-armed at most an hour ahead so long waits and clock changes stay exact.
    let timer: NodeJS.Timeout | null = null;
    let dueW = weeklyOn ? nextW(Date.now()) : Infinity;
    let dueM = monthlyOn ? nextM(Date.now()) : Infinity;
    const scheduledSend = (m: NodeMessageInFlow) => node.send(m);
    function runScheduled(kind: 'weekly' | 'monthly', at: number): void {
      try {
        produce(kind === 'weekly' ? weeklyPeriod(at, tz) : monthlyPeriod(at, tz), scheduledSend);
        store.setMeta(`last_${kind}`, String(at));
      } catch (err) {
        node.error(err);
      }
    }
    function arm(): void {
      const now = Date.now();
      if (now >= dueW) {
        runScheduled('weekly', dueW);
        dueW = nextW(now);
      }
      if (now >= dueM) {
        runScheduled('monthly', dueM);
        dueM = nextM(now);
      }
      const wait = Math.min(dueW, dueM, now + HOUR) - now;
      timer = setTimeout(arm, Math.max(1000, wait));
    }
    // Catch up on a run missed while Node-RED was stopped (never for the time before the database
    // existed). Deferred so the flow is wired before anything is sent.
    let catchUpTimer: NodeJS.Timeout | null = null;
    if (config.catchUp !== false) {
      catchUpTimer = setTimeout(() => {
        catchUpTimer = null;
        const created = Number(store.getMeta('created') ?? Date.now());
        for (const [kind, on, next, look] of [['weekly', weeklyOn, nextW, 8 * DAY], ['monthly', monthlyOn, nextM, 32 * DAY]] as const) {
          if (!on) continue;
          const due = lastDue(Date.now(), next, look);
          const last = Number(store.getMeta(`last_${kind}`) ?? 0);
          if (due !== null && due > created && due > last) runScheduled(kind, due);
        }
      }, 1000);
    }
    arm();

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      try {
        const topic = typeof msg.topic === 'string' ? msg.topic : '';
        const p = msg.payload as unknown;
        const cmd = topic === 'report' || typeof p === 'string'
          || (!!p && typeof p === 'object' && !Array.isArray(p) && ('period' in p || ('from' in p && 'to' in p)) && !isEvent(p));
        if (cmd) {
          const o = (p && typeof p === 'object' ? p : {}) as { period?: string; from?: string | number; to?: string | number };
          const kind = typeof p === 'string' && p !== 'report' ? p : o.period ?? 'weekly';
          let period: Period;
          const now = Date.now();
          if (o.from !== undefined && o.to !== undefined) {
            const f = typeof o.from === 'number' ? o.from : Date.parse(o.from), t = typeof o.to === 'number' ? o.to : Date.parse(o.to);
            if (Number.isNaN(f) || Number.isNaN(t) || t <= f) throw new Error(RED._('gatewatch-report.errors.badPeriod'));
            period = { from: f, to: t, kind: 'custom' };
          } else if (kind === 'monthly') period = { from: now - 30 * DAY, to: now, kind: 'monthly' };
          else if (kind === 'weekly' || kind === 'report') period = { from: now - 7 * DAY, to: now, kind: 'weekly' };
          else if (kind === 'last-week') period = weeklyPeriod(now, tz);
          else if (kind === 'last-month') period = monthlyPeriod(now, tz);
          else throw new Error(RED._('gatewatch-report.errors.badPeriod'));
          produce(period, send as (m: NodeMessageInFlow) => void, msg);
          done();
          return;
        }
        const items = Array.isArray(p) ? p : [p];
        const incidentTopic = topic.startsWith('gatewatch/incident');
        let bad = 0;
        for (const it of items) {
          if ((incidentTopic || !isEvent(it)) && isIncident(it)) store.addIncident(it);
          else if (isEvent(it)) store.addEvent(it);
          else bad++;
        }
        status.touch();
        if (bad) {
          badInput += bad;
          done(new Error(RED._('gatewatch-report.errors.notEventOrIncident')));
          return;
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearTimeout(timer);
      if (catchUpTimer) clearTimeout(catchUpTimer);
      timer = catchUpTimer = null;
      status.close();
      try {
        store.close();
      } catch (err) {
        node.error(err);
      }
      done();
    });
  }
  RED.nodes.registerType('gatewatch-report', GatewatchReportNode);
};
