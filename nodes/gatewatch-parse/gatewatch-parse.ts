/**
 * gatewatch parse: raw log line → normalised ECS-shaped event (output 1), or the message untouched
 * when the line is not a network event (output 2). Thin glue over src/parsers.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { LineParser, PARSERS } from '../../src/parsers/registry';
import { defaultTimezone, isValidTimezone } from '../../src/syslog/time';
import { compact, RateMeter, ThrottledStatus } from '../lib/status';

interface ParseNodeDef extends NodeDef {
  format?: string;
  tz?: string;
  keepOriginal?: boolean;
  maxLength?: number | string;
  site?: string;
}

interface SiteLike { timezone?: string }

type Msg = NodeMessageInFlow & { syslog?: { receivedAt?: number }; remote?: { address?: string }; ip?: string };

export = function (RED: NodeAPI) {
  function GatewatchParseNode(this: Node, config: ParseNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const site = config.site ? (RED.nodes.getNode(config.site) as unknown as SiteLike | null) : null;
    let tz = (config.tz || site?.timezone || '').trim();
    if (tz && !isValidTimezone(tz)) {
      node.warn(RED._('gatewatch-parse.errors.badTimezone', { tz }));
      tz = '';
    }
    let parser: LineParser;
    try {
      parser = new LineParser({
        format: config.format || 'auto',
        tz: tz || defaultTimezone(),
        keepOriginal: !!config.keepOriginal,
        maxLength: Number(config.maxLength) > 0 ? Number(config.maxLength) : undefined,
      });
    } catch (err) {
      node.error(err);
      node.status({ fill: 'red', shape: 'ring', text: 'gatewatch-parse.status.badConfig' });
      return;
    }
    const rate = new RateMeter();
    let badInput = 0;
    const status = new ThrottledStatus(node, () => {
      const s = parser.stats;
      const problems = s.errors + badInput + s.tooLong;
      const text = `${compact(rate.perSecond())}/s · ${compact(s.events)} events · ${compact(s.unrecognised)} other`
        + (problems ? ` · ${compact(problems)} bad` : '');
      return { fill: problems ? 'yellow' : 'green', text };
    });

    node.on('input', (msg: Msg, send, done) => {
      const p = msg.payload as unknown;
      let text: string;
      if (typeof p === 'string') text = p;
      else if (Buffer.isBuffer(p)) text = p.toString('utf8');
      else {
        badInput++;
        status.touch();
        done(new Error(RED._('gatewatch-parse.errors.notText', { type: p === null ? 'null' : typeof p })));
        return;
      }
      const receivedMs = typeof msg.syslog?.receivedAt === 'number' ? msg.syslog.receivedAt : Date.now();
      const errorsBefore = parser.stats.errors;
      // A payload may hold several lines (a file read whole, a TCP chunk): one message per line.
      const lines = text.indexOf('\n') >= 0 ? text.split('\n').filter((l) => l.length > 0) : [text];
      const multi = lines.length > 1;
      for (const line of lines) {
        const ev = parser.parse(line, receivedMs);
        rate.add();
        if (ev) {
          const reporter = msg.remote?.address ?? msg.ip;
          if (reporter) (ev.gatewatch ??= {}).reporter = reporter;
          const out = multi ? RED.util.cloneMessage(msg) : msg;
          out.payload = ev;
          send([out, null]);
        } else {
          const out = multi ? RED.util.cloneMessage(msg) : msg;
          if (multi) out.payload = line;
          send([null, out]);
        }
      }
      status.touch();
      if (parser.stats.errors > errorsBefore) {
        // A parser threw on this line: report it to Catch nodes, but the line has still gone out on output 2.
        done(new Error(RED._('gatewatch-parse.errors.parserError', { error: parser.stats.lastError ?? '' })));
        return;
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.close();
      done();
    });
  }
  RED.nodes.registerType('gatewatch-parse', GatewatchParseNode);

  // The editor lists the formats from here, so a new parser needs no editor change.
  RED.httpAdmin.get('/gatewatch/parsers', RED.auth.needsPermission('gatewatch-parse.read'), (_req, res) => {
    res.json(PARSERS.map((p) => ({ id: p.id, title: p.title })));
  });
};
