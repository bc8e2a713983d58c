/**
 * gatewatch smtp: the mail server settings shared by every gatewatch email node (a config node).
 * The login and password are Node-RED credentials: stored encrypted, never exported with the flow.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { hostname } from 'node:os';
import type { Security, SmtpSettings } from '../../src/report/mailer';
import { addressList, defaultPort, mailFromInput, smtpSender } from '../../src/report/mailer';

interface SmtpDef extends NodeDef {
  host?: string;
  port?: number | string;
  security?: string;
  from?: string;
  to?: string;
  rejectUnauthorized?: boolean;
  timeout?: number | string;
}

interface SmtpCreds { user?: string; password?: string }

export interface GatewatchSmtpNode extends Node<SmtpCreds> {
  smtp: SmtpSettings;
  from: string;
  to: string;
}

export = function (RED: NodeAPI) {
  function GatewatchSmtpNode(this: Node<{ user: unknown; password: unknown }>, config: SmtpDef) {
    RED.nodes.createNode(this, config);
    const self = this as unknown as GatewatchSmtpNode;
    const security: Security = config.security === 'tls' || config.security === 'none' ? config.security : 'starttls';
    const port = Number(config.port);
    const timeout = Number(config.timeout);
    self.smtp = {
      host: (config.host ?? '').trim(),
      port: Number.isInteger(port) && port > 0 && port < 65536 ? port : defaultPort(security),
      security,
      user: typeof this.credentials?.user === 'string' && this.credentials.user ? this.credentials.user : undefined,
      password: typeof this.credentials?.password === 'string' && this.credentials.password ? this.credentials.password : undefined,
      rejectUnauthorized: config.rejectUnauthorized !== false,
      timeoutMs: timeout > 0 ? timeout * 1000 : 60_000,
    };
    self.from = (config.from ?? '').trim();
    self.to = addressList(config.to);
  }
  RED.nodes.registerType('gatewatch-smtp', GatewatchSmtpNode, {
    credentials: {
      user: { type: 'text' },
      password: { type: 'password' },
    },
  });

  // "Send a test mail" in the dialog: the settings as they are in the form (saved or not), straight to the
  // server, and its answer back to the dialog in words. An unchanged password arrives as Node-RED's
  // placeholder and is taken from the saved node.
  RED.httpAdmin.post('/gatewatch/smtp/test', RED.auth.needsPermission('gatewatch-smtp.write'), (req, res) => {
    void (async () => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
      const id = str(b.id);
      const saved = id ? (RED.nodes.getCredentials(id) as SmtpCreds | undefined) : undefined;
      const security: Security = b.security === 'tls' || b.security === 'none' ? b.security : 'starttls';
      const port = Number(b.port);
      const timeout = Number(b.timeout);
      const pw = typeof b.password === 'string' && b.password !== '__PWRD__' ? b.password : saved?.password;
      const user = str(b.user) || undefined;
      const settings: SmtpSettings = {
        host: str(b.host),
        port: Number.isInteger(port) && port > 0 && port < 65536 ? port : defaultPort(security),
        security,
        user,
        password: user ? pw : undefined,
        rejectUnauthorized: b.rejectUnauthorized !== false,
        // (the dialog waits for the answer: at most 20 s, whatever the setting)
        timeoutMs: Math.min(timeout > 0 ? timeout * 1000 : 20_000, 20_000),
      };
      if (!settings.host) { res.json({ ok: false, error: 'Fill in the mail server first.' }); return; }
      const sender = smtpSender(settings);
      try {
        const mail = await mailFromInput({
          topic: 'gatewatch test mail',
          payload: `This is a test from gatewatch on ${hostname()}.\n\nIf you can read it, gatewatch's alerts and reports will reach you at this address.\n`,
        }, { from: str(b.from), to: addressList(b.to) });
        const rejected = (await sender.send(mail)).rejected ?? [];
        if (rejected.length) res.json({ ok: false, error: `The server refused ${rejected.map((x) => `${x.recipient} (${x.message})`).join(', ')}` });
        else res.json({ ok: true, to: mail.to });
      } catch (err) {
        const e = err as { message?: string; code?: string; response?: string };
        res.json({ ok: false, error: String(e.response || e.message || err).slice(0, 300), code: e.code });
      } finally {
        sender.close();
      }
    })();
  });
};
