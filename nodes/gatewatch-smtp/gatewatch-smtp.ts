/**
 * gatewatch smtp: the mail server settings shared by every gatewatch email node (a config node).
 * The login and password are Node-RED credentials: stored encrypted, never exported with the flow.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Security, SmtpSettings } from '../../src/report/mailer';
import { addressList, defaultPort } from '../../src/report/mailer';

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
};
