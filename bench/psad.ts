/**
 * Runs psad (Port Scan Attack Detector) offline over a netfilter log: `psad -A -m FILE`, with a private
 * configuration and private folders under the temp directory, so it needs no daemon, no /etc changes
 * and no /var/log writes. Its report is parsed into per-source danger levels and signature names.
 *
 * psad's own config (/etc/psad/psad.conf and the signature files next to it) is the template; only
 * paths, HOME_NET and the network look-ups are changed:
 *   HOME_NET the site's networks; ENABLE_INTF_LOCAL_NETS N (do not add this machine's own subnets);
 *   PSAD_DIR/PSAD_RUN_DIR/PSAD_FIFO_DIR/PSAD_CONF_DIR temp folders; no e-mail, whois or DNS.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PsadSource {
  ip: string;
  dl: number;
  packets: number;
  /** Signature names psad matched for this source ("SCAN FIN", "SCAN nmap XMAS" …). */
  signatures: string[];
  /** TCP flags psad printed with those signatures. */
  flags: string[];
  /** "TCP 1-100", "UDP 53-11211" … */
  ports: string[];
  dsts: number;
}

export interface PsadResult {
  version: string;
  sources: Map<string, PsadSource>;
  seconds: number;
  raw: string;
}

const CONF_FILES = ['signatures', 'protocols', 'icmp_types', 'icmp6_types', 'auto_dl', 'snort_rule_dl', 'posf', 'pf.os', 'ip_options'];

export function findPsad(): string | undefined {
  for (const p of ['/usr/sbin/psad', '/usr/local/sbin/psad', '/sbin/psad']) {
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/** Writes a private psad config under `dir`; returns its path. */
export function psadConfig(dir: string, homeNets: string[], template = '/etc/psad'): string {
  const conf = path.join(dir, 'conf');
  for (const d of ['conf', 'log', 'run', 'fifo']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  for (const f of CONF_FILES) {
    const src = path.join(template, f);
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(conf, f));
  }
  const set: Record<string, string> = {
    HOME_NET: homeNets.join(', '),
    HOSTNAME: 'gatewatch-lab',
    ENABLE_INTF_LOCAL_NETS: 'N',
    PSAD_DIR: path.join(dir, 'log'),
    PSAD_RUN_DIR: path.join(dir, 'run'),
    PSAD_FIFO_DIR: path.join(dir, 'fifo'),
    PSAD_CONF_DIR: conf,
    ALERTING_METHODS: 'noemail',
    ENABLE_WHOIS_LOOKUPS: 'N',
    ENABLE_DNS_LOOKUPS: 'N',
    ENABLE_SYSLOG_FILE: 'N',
    IMPORT_OLD_SCANS: 'N',
  };
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of fs.readFileSync(path.join(template, 'psad.conf'), 'utf8').split('\n')) {
    const key = /^([A-Z_0-9]+)\s/.exec(line)?.[1];
    if (key && key in set) {
      out.push(`${key}    ${set[key]};`);
      seen.add(key);
    } else {
      out.push(line);
    }
  }
  for (const k of Object.keys(set)) if (!seen.has(k)) out.push(`${k}    ${set[k]};`);
  const file = path.join(conf, 'psad.conf');
  fs.writeFileSync(file, out.join('\n'));
  return file;
}

/** Parses psad's -A report ("SRC:  203.0.113.11, DL: 3, Dsts: 1, Pkts: 199, …"). */
export function parsePsadReport(text: string): Map<string, PsadSource> {
  const sources = new Map<string, PsadSource>();
  let cur: PsadSource | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('SRC:')) {
      const parts = line.slice(4).split(',').map((p) => p.trim());
      const kv = (k: string) => parts.find((p) => p.startsWith(`${k}:`))?.slice(k.length + 1).trim();
      cur = { ip: parts[0]!, dl: Number(kv('DL') ?? 0), packets: Number(kv('Pkts') ?? 0), dsts: Number(kv('Dsts') ?? 0), signatures: [], flags: [], ports: [] };
      sources.set(cur.ip, cur);
    } else if (cur && line.startsWith('Signature match:')) {
      cur.signatures.push(line.slice('Signature match:'.length).trim().replace(/^"|"$/g, ''));
    } else if (cur && /^(TCP|UDP|ICMP), Chain:/.test(line)) {
      // "TCP, Chain: FORWARD, Count: 100, DP: 33, URG PSH FIN, Sid: 1228"
      for (const p of line.split(',').map((x) => x.trim())) {
        if (/^[A-Z]{3}( [A-Z]{3})*$/.test(p) && p !== 'TCP' && p !== 'UDP') {
          for (const f of p.split(' ')) if (!cur.flags.includes(f)) cur.flags.push(f);
        }
      }
    } else if (cur && line.startsWith('Scanned ports:')) {
      const v = line.slice('Scanned ports:'.length).split(',')[0]!.trim();
      if (!cur.ports.includes(v) && cur.ports.length < 8) cur.ports.push(v);
    } else if (line.startsWith('Total scan sources')) {
      cur = undefined;
    }
  }
  return sources;
}

/** Runs `psad -A -m logFile` with a private config; throws when psad is missing or fails. */
export async function runPsad(logFile: string, homeNets: string[]): Promise<PsadResult> {
  const psad = findPsad();
  if (!psad) throw new Error('psad is not installed (Debian: apt-get install psad)');
  if (!fs.existsSync('/etc/psad/psad.conf')) throw new Error('/etc/psad/psad.conf (psad\'s template config) is missing');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-psad-'));
  try {
    const conf = psadConfig(dir, homeNets);
    const t0 = process.hrtime.bigint();
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(psad, ['-c', conf, '-A', '-m', logFile, '--no-whois', '--no-rdns', '--no-netstat'],
        { timeout: 300000, maxBuffer: 64 << 20 }, (err, out, errOut) => {
          if (err) reject(new Error(`psad failed: ${err.message}\n${errOut}`));
          else resolve(String(out));
        });
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const version = /psad v([\d.]+)/.exec(stdout)?.[1] ?? '?';
    return { version, sources: parsePsadReport(stdout), seconds, raw: stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
