/**
 * gatewatch alert: incidents in, owner notifications out. Output 1 is a ready-to-send email
 * (msg.topic subject, msg.payload HTML, msg.text plain text); output 2 is a short one-line message for
 * chat, SMS or a webhook (msg.payload text). Both carry msg.alert. Thin glue over src/report/alert.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { Alerter, type AlertMessage, invalidIncident } from '../../src/report/alert';
import type { Severity } from '../../src/detect/incident';
import { SEVERITIES } from '../../src/detect/incident';
import { defaultTimezone, isValidTimezone } from '../../src/syslog/time';
import { compact, ThrottledStatus } from '../lib/status';

interface AlertDef extends NodeDef {
  minSeverity?: string;
  throttle?: number | string;
  burst?: number | string;
  digestWindow?: number | string;
  subjectPrefix?: string;
  tz?: string;
  groupTargets?: boolean | string;
}

type Msg = NodeMessageInFlow & { flush?: unknown };

function num(v: unknown, dflt: number, min = 0): number {
  if (v === '' || v === undefined || v === null) return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= min ? n : dflt;
}

export = function (RED: NodeAPI) {
  function GatewatchAlertNode(this: Node, config: AlertDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let tz = (config.tz ?? '').trim();
    if (tz && !isValidTimezone(tz)) {
      node.warn(RED._('gatewatch-alert.errors.badTimezone', { tz }));
      tz = '';
    }
    const minSeverity = (SEVERITIES as string[]).includes(config.minSeverity ?? '') ? (config.minSeverity as Severity) : 'high';

    const status = new ThrottledStatus(node, () => {
      const s = alerter.stats;
      const parts = [`${compact(s.alerts)} alerts`];
      if (s.digests) parts.push(`${compact(s.digests)} digests`);
      if (s.summaries) parts.push(`${compact(s.summaries)} summaries`);
      if (alerter.heldCount) parts.push(`${alerter.heldCount} held`);
      if (s.throttled) parts.push(`${compact(s.throttled)} repeats muted`);
      if (s.invalid) parts.push(`${compact(s.invalid)} bad`);
      return { fill: s.invalid ? 'yellow' : alerter.heldCount ? 'blue' : 'green', text: parts.join(' · ') };
    });

    function toMessages(a: AlertMessage): [Record<string, unknown>, Record<string, unknown>] {
      const alert = { kind: a.kind, severity: a.severity, title: a.subject, text: a.short, incidents: a.incidents, omitted: a.omitted };
      const email = { _msgid: RED.util.generateId(), topic: a.subject, payload: a.html, text: a.text, alert };
      const short = { _msgid: RED.util.generateId(), topic: a.subject, payload: a.short, alert: RED.util.cloneMessage(alert as never) };
      return [email, short];
    }

    // Alerts from the digest timer have no input message: they go out with node.send.
    let current: ((m: [Record<string, unknown>, Record<string, unknown>]) => void) | null = null;
    const alerter = new Alerter({
      minSeverity,
      throttleMs: num(config.throttle, 60) * 60_000,
      burst: num(config.burst, 3),
      digestWindowMs: Math.max(num(config.digestWindow, 10) * 60_000, 100),
      subjectPrefix: config.subjectPrefix ?? '[gatewatch]',
      timeZone: tz || defaultTimezone(),
      // (flows saved before this setting existed have none: they get the new default, on)
      groupTargets: config.groupTargets !== false && config.groupTargets !== 'false',
    }, (a) => {
      const out = toMessages(a);
      if (current) current(out);
      else node.send(out as never);
      status.touch();
    });

    node.on('input', (msg: Msg, send, done) => {
      if (msg.flush === true) {
        current = (m) => send(m as never);
        try { alerter.flush(); } finally { current = null; }
        status.touch();
        done();
        return;
      }
      const list = Array.isArray(msg.payload) ? (msg.payload as unknown[]) : [msg.payload];
      let firstBad: string | null = null;
      current = (m) => send(m as never);
      try {
        for (const inc of list) {
          const bad = invalidIncident(inc);
          if (bad !== null) { firstBad ??= bad; alerter.stats.received++; alerter.stats.invalid++; continue; }
          alerter.push(inc);
        }
      } finally {
        current = null;
      }
      status.touch();
      if (firstBad !== null) done(new Error(RED._('gatewatch-alert.errors.notIncident', { reason: firstBad })));
      else done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      const held = alerter.heldCount;
      alerter.close();
      status.close();
      if (held) node.warn(RED._('gatewatch-alert.errors.heldDropped', { count: String(held) }));
      done();
    });
  }
  RED.nodes.registerType('gatewatch-alert', GatewatchAlertNode);
};
