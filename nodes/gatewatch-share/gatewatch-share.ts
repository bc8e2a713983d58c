/**
 * gatewatch share: incident → the anonymised summary for the regional hub (msg.payload in the chosen
 * format, msg.topic gatewatch/share/<member>). Thin glue over src/share; the site secret is a credential.
 * An admin endpoint lets the editor preview exactly what would leave the site for a sample incident.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { Incident, Severity } from '../../src/detect/incident';
import { Anonymiser, findLeaks, sensitive, ShareOptions, ShareSummary } from '../../src/share/anonymise';
import { exportValue, isFormat, renderExport, ShareFormat } from '../../src/share/export';
import { sampleIncident } from '../../src/share/sample';
import { compact, ThrottledStatus } from '../lib/status';

interface ShareNodeDef extends NodeDef {
  member?: string;
  format?: string;
  types?: string;
  minSeverity?: string;
  includePorts?: boolean;
  includeGeo?: boolean;
  victims?: string;
  homeNets?: string;
  topic?: string;
  site?: string;
}

interface ShareCreds { secret?: string }
interface SiteLike { homeNets?: string[]; publicAddresses?: string[] }

function list(s: string | undefined): string[] {
  return (s ?? '').split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
}

/** Node config (or the editor's form) → anonymiser options. Throws on a bad member code or network. */
function optionsFrom(cfg: ShareNodeDef, secret: string | undefined, site?: SiteLike | null): ShareOptions {
  const homeNets = [...list(cfg.homeNets), ...(site?.homeNets ?? []), ...(site?.publicAddresses ?? [])];
  const sev = (cfg.minSeverity || 'low') as Severity;
  return {
    member: (cfg.member ?? '').trim(),
    secret: secret || undefined,
    homeNets,
    types: list(cfg.types),
    minSeverity: sev,
    includePorts: cfg.includePorts !== false,
    includeGeo: cfg.includeGeo !== false,
    victims: cfg.victims === 'drop' ? 'drop' : secret ? 'pseudonymise' : 'drop',
  };
}

const REASONS: Record<string, string> = {
  type: 'not one of the types you chose to share', severity: 'below the minimum severity you chose',
  internalAttacker: 'the other party is inside your own network', invalid: 'not a gatewatch incident',
};

export = function (RED: NodeAPI) {
  function GatewatchShareNode(this: Node<ShareCreds>, config: ShareNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const site = config.site ? (RED.nodes.getNode(config.site) as unknown as SiteLike | null) : null;
    const format: ShareFormat = isFormat(config.format ?? '') ? (config.format as ShareFormat) : 'summary';
    let anon: Anonymiser;
    try {
      anon = new Anonymiser(optionsFrom(config, node.credentials?.secret, site));
    } catch (err) {
      node.error(RED._('gatewatch-share.errors.badConfig', { error: (err as Error).message }));
      node.status({ fill: 'red', shape: 'ring', text: 'gatewatch-share.status.badConfig' });
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => done(new Error(RED._('gatewatch-share.errors.notConfigured'))));
      return;
    }
    if (!node.credentials?.secret) node.warn(RED._('gatewatch-share.errors.noSecret'));
    const topic = (config.topic || 'gatewatch/share/').replace(/\/?$/, '/') + anon.member;
    let shared = 0, held = 0, bad = 0;
    const status = new ThrottledStatus(node, () => ({
      fill: bad ? 'yellow' : 'green',
      text: `${compact(shared)} shared · ${compact(held)} held back${bad ? ` · ${compact(bad)} bad` : ''}`,
    }));

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      const p = msg.payload as unknown;
      const incidents = (Array.isArray(p) ? p : [p]) as Incident[];
      if (!p || typeof p !== 'object' || incidents.length === 0) {
        bad++; status.touch();
        done(new Error(RED._('gatewatch-share.errors.notIncident')));
        return;
      }
      const { summaries, skipped } = anon.all(incidents);
      held += skipped.type + skipped.severity + skipped.internalAttacker;
      bad += skipped.invalid;
      status.touch();
      if (summaries.length === 0) {
        if (skipped.invalid === incidents.length) { done(new Error(RED._('gatewatch-share.errors.notIncident'))); return; }
        done();
        return;
      }
      // The last check before anything leaves: no internal address, gateway name or secret in the output.
      const { victims, forbidden } = sensitive(incidents, node.credentials?.secret);
      const leaks = findLeaks(renderExport(summaries, format, { member: anon.member }), (ip) => anon.isInternal(ip), forbidden, victims);
      if (leaks.length) {
        done(new Error(RED._('gatewatch-share.errors.leak', { count: String(leaks.length) })));
        return;
      }
      shared += summaries.length;
      const out = msg as NodeMessageInFlow & { topic?: string; share?: unknown };
      out.topic = topic;
      if (format === 'summary') {
        // One message per summary: what the hub ingests.
        const msgs = summaries.map((s: ShareSummary, i) => {
          const m = i === 0 ? out : RED.util.cloneMessage(out);
          m.payload = s;
          return m;
        });
        send([msgs]);
      } else {
        out.payload = exportValue(summaries, format, { member: anon.member });
        send(out);
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.close();
      done();
    });
  }
  RED.nodes.registerType<Node<ShareCreds>, ShareNodeDef, {}, ShareCreds>('gatewatch-share', GatewatchShareNode, { credentials: { secret: { type: 'password' } } });

  // Preview for the editor: what would leave the site for a sample (or a given) incident with these settings.
  RED.httpAdmin.post('/gatewatch/share/preview', RED.auth.needsPermission('gatewatch-share.write'), (req, res) => {
    try {
      const body = (req.body ?? {}) as ShareNodeDef & { id?: string; secret?: string; incident?: Incident };
      // The editor never receives the stored secret: use it from the deployed node when there is one.
      const deployed = body.id ? (RED.nodes.getNode(body.id) as unknown as { credentials?: ShareCreds } | null) : null;
      const typed = typeof body.secret === 'string' && body.secret !== '__PWRD__' && body.secret !== '' ? body.secret : undefined;
      const secret = typed ?? deployed?.credentials?.secret;
      const opts = optionsFrom({ ...body, member: body.member || 'MEMBER' }, secret);
      const anon = new Anonymiser(opts);
      const incident = body.incident && typeof body.incident === 'object' ? body.incident : sampleIncident();
      const r = anon.one(incident);
      const format = isFormat(body.format ?? '') ? (body.format as ShareFormat) : 'summary';
      if (typeof r === 'string') {
        res.json({ incident, shared: false, reason: REASONS[r] ?? r, output: '' });
        return;
      }
      res.json({ incident, shared: true, summary: r, format, output: renderExport([r], format, { member: anon.member }) });
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  });
};
