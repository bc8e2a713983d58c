/**
 * gatewatch parse: raw log line → normalised ECS-shaped event (output 1), or the message untouched
 * when the line is not a network event (output 2). Thin glue over src/parsers.
 */
import { existsSync, promises as fsp } from 'node:fs';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { LineParser, PARSERS } from '../../src/parsers/registry';
import { ClockWatch, offsetText } from '../../src/syslog/clock-watch';
import { isProblem, SenderChange, SenderWatch } from '../../src/syslog/sender-watch';
import { defaultTimezone, isValidTimezone } from '../../src/syslog/time';
import { forgetWatch, loadWatch, saveWatch, senderFile, shareWatch, watchOf } from '../lib/senders';
import { compact, RateMeter, ThrottledStatus } from '../lib/status';

interface ParseNodeDef extends NodeDef {
  format?: string;
  tz?: string;
  keepOriginal?: boolean;
  maxLength?: number | string;
  site?: string;
  /** Correct the times of a router whose clock is wrong (live syslog only). Default on. */
  fixClocks?: boolean;
}

interface SiteLike { timezone?: string }

/** How often the list of boxes sending logs is written to disk when it has changed (and always on stop). */
const SAVE_EVERY_MS = 5 * 60_000;

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
    // (a flow saved before the setting existed runs with it on)
    const clocks = config.fixClocks === false ? null : new ClockWatch();
    const senders = new SenderWatch();
    // The boxes known before a restart or redeploy, so a report sent at start-up still names them (kept in the
    // user directory; without one, as in some embedded set-ups, the list lives only as long as the process).
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir;
    // (never creates the user directory itself: one that is gone is not where Node-RED keeps anything)
    const savedAt = userDir && existsSync(userDir) ? senderFile(userDir, node.id) : null;
    let restored = 0;
    if (savedAt !== null) {
      try {
        const r = loadWatch(savedAt, senders);
        restored = r?.restored ?? 0;
        if (r?.skipped) node.warn(RED._('gatewatch-parse.errors.sendersSkipped', { n: r.skipped, file: savedAt }));
      } catch (err) {
        node.warn(RED._('gatewatch-parse.errors.sendersUnreadable', { file: savedAt, error: (err as Error).message }));
      }
    }
    shareWatch(node.id, config.site || '', senders);
    let seen = 0, saved = 0, saving: Promise<void> | null = null, saveFailed = false;
    const save = (): Promise<void> => {
      if (savedAt === null || seen === saved) return saving ?? Promise.resolve();
      if (saving) return saving.then(save);
      const at = seen;
      saving = saveWatch(savedAt, senders).then(() => {
        saved = at;
        if (saveFailed) { saveFailed = false; node.log(RED._('gatewatch-parse.errors.sendersSaved', { file: savedAt })); }
      }, (err: Error) => {
        // (said once until it works again: a full disk would otherwise repeat it every few minutes)
        if (!saveFailed) node.warn(RED._('gatewatch-parse.errors.sendersNotSaved', { file: savedAt, error: err.message }));
        saveFailed = true;
      }).finally(() => { saving = null; });
      return saving;
    };
    const saveTimer = setInterval(() => { void save(); }, SAVE_EVERY_MS);
    saveTimer.unref();
    const lastName: { host?: string; reporter?: string; sender: string } = { sender: 'unnamed sender' };
    const status = new ThrottledStatus(node, () => {
      const s = parser.stats;
      const problems = s.errors + badInput + s.tooLong;
      const wrong = clocks?.wrongClocks() ?? [];
      const clockText = wrong.length ? ` · clock of ${wrong[0]!.gateway} ${offsetText(wrong[0]!.behindMs)} ${wrong[0]!.behindMs > 0 ? 'behind' : 'ahead'}${wrong.length > 1 ? ` (+${wrong.length - 1})` : ''}` : '';
      const text = `${compact(rate.perSecond())}/s · ${compact(s.events)} events · ${compact(s.unrecognised)} other`
        + (problems ? ` · ${compact(problems)} bad` : '') + clockText;
      const lost = senders.problems();
      const senderText = lost.length ? ` · ${lost[0]!.sender} ${RED._(`gatewatch-parse.status.${lost[0]!.verdict}`)}${lost.length > 1 ? ` (+${lost.length - 1})` : ''}` : '';
      // (a box of unknown make beside working ones may be a printer or access point sending its notices: named, but
      // the status turns yellow only for a firewall logging nothing, one no longer understood, or when nothing is)
      const worrying = lost.some((x) => x.verdict !== 'not-understood') || (lost.length > 0 && s.events === 0 && !senders.hasUnderstood());
      return { fill: problems || wrong.length || worrying ? 'yellow' : 'green', text: text + senderText };
    });
    // (a box known from before the restart to log nothing useful is named at once, not after its next line)
    if (restored > 0) status.touch();
    const senderChanged = (c: SenderChange) => {
      if (isProblem(c.to)) {
        const r = senders.problems().find((x) => x.sender === c.sender);
        node.warn(`${r?.advice ?? c.sender}${r?.samples.length ? ` ${RED._('gatewatch-parse.errors.sample')} ${r.samples[r.samples.length - 1]}` : ''}`);
      } else node.log(RED._('gatewatch-parse.errors.senderUnderstood', { sender: c.sender }));
    };
    const clockChanged = (gateway: string) => {
      const w = clocks!.wrongClocks().find((x) => x.gateway === gateway);
      if (w) node.warn(RED._('gatewatch-parse.errors.wrongClock', { gateway, offset: offsetText(w.behindMs), way: w.behindMs > 0 ? 'behind' : 'ahead' }));
      else node.log(RED._('gatewatch-parse.errors.clockRight', { gateway }));
    };

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
      const live = typeof msg.syslog?.receivedAt === 'number';
      const receivedMs = live ? msg.syslog!.receivedAt! : Date.now();
      const errorsBefore = parser.stats.errors;
      // A payload may hold several lines (a file read whole, a TCP chunk): one message per line.
      const lines = text.indexOf('\n') >= 0 ? text.split('\n').filter((l) => l.length > 0) : [text];
      const multi = lines.length > 1;
      for (const line of lines) {
        const ev = parser.parse(line, receivedMs);
        rate.add();
        const reporter = msg.remote?.address ?? msg.ip;
        // (a relay forwards several boxes from one address: the name in the line tells them apart)
        const host = parser.lastHost;
        if (host !== lastName.host || reporter !== lastName.reporter) {
          lastName.host = host;
          lastName.reporter = reporter;
          lastName.sender = host !== undefined ? (reporter !== undefined && reporter !== host ? `${host} (${reporter})` : host) : reporter ?? 'unnamed sender';
        }
        const sender = lastName.sender;
        const change = senders.observe(sender, parser.lastClaim, ev !== null, line, receivedMs);
        seen++;
        if (change !== null) senderChanged(change);
        if (ev) {
          if (reporter) (ev.gatewatch ??= {}).reporter = reporter;
          // (only lines that came in over syslog have an arrival time to judge a clock by; a replayed file never)
          if (clocks !== null && live) {
            const gateway = reporter ?? ev.observer?.hostname ?? '-';
            const changes = clocks.stats.changes;
            const fix = clocks.observe(gateway, ev['@timestamp'], receivedMs);
            if (clocks.stats.changes !== changes) clockChanged(gateway);
            if (fix !== 0) {
              const own = ev['@timestamp'];
              const t = Date.parse(own);
              if (t === t) {
                ev['@timestamp'] = new Date(t + fix).toISOString();
                const gw = (ev.gatewatch ??= {});
                gw.device_time = own;
                gw.clock_skew_s = fix / 1000;
              }
            }
          }
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

    node.on('close', (removed: boolean, done: () => void) => {
      status.close();
      clearInterval(saveTimer);
      forgetWatch(node.id, senders);
      if (savedAt === null) { done(); return; }
      // A node deleted from the flow takes its list with it; one redeployed or stopped keeps it for next time.
      if (removed) { fsp.rm(savedAt, { force: true }).then(done, () => done()); return; }
      save().then(done, () => done());
    });
  }
  RED.nodes.registerType('gatewatch-parse', GatewatchParseNode);

  // "What is arriving?" in the dialog: the boxes this (deployed) node has had lines from, and what it made of them.
  // (Sample lines stay on this machine: only the editor's user sees them, with the node's read permission.)
  RED.httpAdmin.get('/gatewatch/parse/:id/senders', RED.auth.needsPermission('gatewatch-parse.read'), (req, res) => {
    const w = watchOf(String(req.params.id));
    if (!w) { res.status(404).json({ error: 'not deployed' }); return; }
    res.set('Cache-Control', 'no-store').json({ senders: w.list(), dropped: w.dropped });
  });

  // The editor lists the formats from here, so a new parser needs no editor change.
  RED.httpAdmin.get('/gatewatch/parsers', RED.auth.needsPermission('gatewatch-parse.read'), (_req, res) => {
    res.json(PARSERS.map((p) => ({ id: p.id, title: p.title })));
  });
};
