/**
 * gatewatch syslog: receives the router's logs over UDP, TCP or TLS and sends one message per line.
 * Thin glue over src/syslog/listener.ts.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { TlsOptions } from 'node:tls';
import { parseHeader } from '../../src/syslog/header';
import { SyslogListener } from '../../src/syslog/listener';
import { defaultTimezone } from '../../src/syslog/time';
import { compact, RateMeter, ThrottledStatus } from '../lib/status';

interface SyslogNodeDef extends NodeDef {
  port: number | string;
  udp: boolean;
  tcp: boolean;
  host?: string;
  useTls?: boolean;
  tls?: string;
  maxSize?: number | string;
  allow?: string;
}

interface TlsConfigNode extends Node {
  addTLSOptions(opts: Record<string, unknown>): void;
}

export = function (RED: NodeAPI) {
  function GatewatchSyslogNode(this: Node, config: SyslogNodeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const port = Number(config.port);
    const rate = new RateMeter();
    let listener: SyslogListener | null = null;
    let closing = false;
    let failed = '';
    const tz = defaultTimezone();
    const warned = new Set<string>();

    const describe = () => [config.udp ? 'udp' : '', config.tcp ? (config.useTls ? 'tls' : 'tcp') : ''].filter(Boolean).join('+') + ` :${port}`;
    const status = new ThrottledStatus(node, () => {
      if (failed) return { fill: 'red', shape: 'ring', text: failed };
      if (!listener) return { fill: 'grey', shape: 'ring', text: 'stopped' };
      const s = listener.stats;
      const dropped = s.notAllowed + s.connectionsRefused;
      const text = `${describe()} · ${compact(rate.perSecond())}/s · ${compact(s.received)} msgs`
        + (dropped ? ` · ${compact(dropped)} refused` : '') + (s.truncated ? ` · ${compact(s.truncated)} cut` : '');
      return { fill: dropped || s.truncated ? 'yellow' : 'green', text };
    });

    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      node.error(RED._('gatewatch-syslog.errors.badPort', { port: String(config.port) }));
      status.set('red', 'gatewatch-syslog.status.badConfig', 'ring');
      return;
    }
    if (!config.udp && !config.tcp) {
      node.error(RED._('gatewatch-syslog.errors.noTransport'));
      status.set('red', 'gatewatch-syslog.status.badConfig', 'ring');
      return;
    }
    let tlsOptions: TlsOptions | undefined;
    if (config.tcp && config.useTls) {
      const tlsNode = config.tls ? (RED.nodes.getNode(config.tls) as TlsConfigNode | null) : null;
      if (!tlsNode) {
        node.error(RED._('gatewatch-syslog.errors.noTls'));
        status.set('red', 'gatewatch-syslog.status.badConfig', 'ring');
        return;
      }
      const o: Record<string, unknown> = {};
      tlsNode.addTLSOptions(o);
      tlsOptions = o as TlsOptions;
    }
    const allow = (config.allow ?? '').split(/[\s,]+/).filter(Boolean);
    const maxSize = Number(config.maxSize) > 0 ? Number(config.maxSize) : undefined;

    try {
      listener = new SyslogListener(
        {
          host: config.host?.trim() || undefined,
          udpPort: config.udp ? port : undefined,
          tcpPort: config.tcp ? port : undefined,
          tls: tlsOptions,
          maxMessageSize: maxSize,
          allow,
        },
        (r) => {
          rate.add(1, r.receivedAt);
          const h = parseHeader(r.line, { tz, refMs: r.receivedAt });
          node.send({
            payload: r.line,
            syslog: {
              format: h.format,
              facility: h.facility,
              severity: h.severity,
              timestamp: h.time !== undefined ? new Date(h.time).toISOString() : undefined,
              hostname: h.hostname,
              appName: h.appName,
              procId: h.procId,
              msgId: h.msgId,
              message: h.message,
              receivedAt: r.receivedAt,
              truncated: r.truncated || undefined,
            },
            remote: { address: r.address, port: r.port, transport: r.transport },
          } as never);
          status.touch();
        },
        (err) => node.warn(err.message),
        (address, why) => {
          status.touch();
          // Say it in the log once per sender (bounded), not once per packet.
          if (warned.size < 100 && !warned.has(address)) {
            warned.add(address);
            node.warn(RED._(why === 'not-allowed' ? 'gatewatch-syslog.log.notAllowed' : 'gatewatch-syslog.log.tooMany', { address }));
          }
        },
      );
    } catch (err) {
      node.error(RED._('gatewatch-syslog.errors.badAllow', { error: (err as Error).message }));
      status.set('red', 'gatewatch-syslog.status.badConfig', 'ring');
      return;
    }

    const started = listener.start().then(() => {
      if (closing) return;
      node.log(RED._('gatewatch-syslog.log.listening', { what: describe() }));
      status.set('green', `${describe()} · ${RED._('gatewatch-syslog.status.listening')}`);
    }, (err: NodeJS.ErrnoException) => {
      failed = err.code === 'EADDRINUSE' ? RED._('gatewatch-syslog.errors.inUse', { port: String(port) })
        : err.code === 'EACCES' ? RED._('gatewatch-syslog.errors.denied', { port: String(port) }) : err.message;
      node.error(failed);
      status.set('red', failed, 'ring');
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      status.close();
      const l = listener;
      listener = null;
      // Wait for a start still in progress, then free the ports before telling Node-RED we're done.
      started.finally(() => (l ? l.stop() : undefined)).then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('gatewatch-syslog', GatewatchSyslogNode);
};
