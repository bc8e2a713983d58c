/**
 * The real-traffic lab: a tiny internet, a small-office router and an office LAN built from Linux
 * network namespaces, attacked with real tools (nmap, repeated logins) while the router's netfilter LOG
 * rules write kernel lines, which are collected from /dev/kmsg and written as a syslog file plus a
 * scenario manifest under test-output/lab/.
 *
 *   internet ns (gwlab-<id>-inet)          router ns (gwlab-<id>-rtr)           office LAN
 *   attackers 203.0.113.11-19 ─┐           wan-<id> 192.0.2.2                    srv ns 10.99.10.10 (+.11-.19)
 *   web 198.51.100.80/.81       ├ isp-<id> ═══════════ forwarding + LOG ─ lan-<id> bridge 10.99.10.1
 *   beacon target 198.51.100.99 ┘ 192.0.2.1                                      pc ns  10.99.10.20, .21
 *
 * Only namespaces it creates are touched (names carry a random id); addresses are documentation
 * ranges and 10.99.10.0/24, which exist only inside the namespaces. The kernel writes LOG lines from
 * inside a namespace only when net.netfilter.nf_log_all_netns=1; the lab sets it for its run and puts
 * the old value back. Runs are serialised with a lock directory, since that switch is host-wide.
 *
 * Needs root, iproute2 (`ip`), iptables or nft, nmap; uses python3 and curl when present (for the web
 * servers and the browsing), falling back to the bundled agent (agent.ts).
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LAN_NET = '10.99.10.0/24';
export const HOME_NETS = [LAN_NET];
const LAN_GW = '10.99.10.1';
const SRV = '10.99.10.10';
const BROWSER = '10.99.10.20';
const BEACON_HOST = '10.99.10.21';
const ISP_GW = '192.0.2.1';
const WAN_IP = '192.0.2.2';
const WEB1 = '198.51.100.80';
const WEB2 = '198.51.100.81';
const C2 = '198.51.100.99';

const SYSCTL_LOG_ALL_NETNS = '/proc/sys/net/netfilter/nf_log_all_netns';
const LOCK_DIR = path.join(os.tmpdir(), 'gatewatch-lab.lock');

/** Repository root (this file runs from dist/test/lab/). */
export const ROOT = path.join(__dirname, '..', '..', '..');
export const OUT_DIR = path.join(ROOT, 'test-output', 'lab');
export const LOG_FILE = path.join(OUT_DIR, 'lab.log');
export const MANIFEST_FILE = path.join(OUT_DIR, 'lab.manifest.json');

export interface ScenarioResult {
  name: string;
  description: string;
  /** The address whose packets make up the scenario (SRC= in the kernel lines). */
  source: string;
  /** Who an incident must name as attacker.ip (the external party; for a beacon, the remote). */
  attacker: string;
  /** The inside addresses involved. */
  victims: string[];
  /** null: nothing should be detected (normal traffic). */
  expected_type: string | null;
  expected_subtype?: string;
  /** Kernel lines whose SRC is `source`. */
  lines: number;
  first?: string;
  last?: string;
  duration_s: number;
  /** What the tool printed last (nmap summary line, agent count), or its error. */
  tool_output: string;
  error?: string;
}

export interface LabManifest {
  created: string;
  lab_id: string;
  log_prefix: string;
  firewall: 'iptables' | 'nft';
  home_nets: string[];
  log_file: string;
  total_lines: number;
  /** Times the kernel's log buffer wrapped before we read it (lines lost); 0 in a good run. */
  kmsg_overruns: number;
  duration_s: number;
  scenarios: ScenarioResult[];
}

export interface Prereqs {
  ok: boolean;
  reason?: string;
  firewall?: 'iptables' | 'nft';
  tools: Record<string, string | undefined>;
}

/** Full path of an executable on PATH (plus the sbin folders), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch { /* next */ }
  }
  return undefined;
}

/** What the lab needs, and why it cannot run when it cannot. */
export function checkPrereqs(): Prereqs {
  const tools: Record<string, string | undefined> = {};
  for (const t of ['ip', 'iptables', 'iptables-restore', 'nft', 'nmap', 'python3', 'curl']) tools[t] = which(t);
  // Prefer the system python (pyenv shims are slow to start inside a namespace).
  if (fs.existsSync('/usr/bin/python3')) tools.python3 = '/usr/bin/python3';
  const fail = (reason: string): Prereqs => ({ ok: false, reason, tools });
  if (process.platform !== 'linux') return fail('the lab needs Linux network namespaces');
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return fail('the lab must run as root (it creates network namespaces)');
  if (!tools.ip) return fail('`ip` (iproute2) is not installed');
  if (!tools.nmap) return fail('`nmap` is not installed');
  const firewall = process.env.GATEWATCH_LAB_FW === 'nft' ? (tools.nft ? 'nft' : undefined)
    : tools.iptables && tools['iptables-restore'] ? 'iptables' : tools.nft ? 'nft' : undefined;
  if (!firewall) return fail('neither `iptables` nor `nft` is installed');
  if (!fs.existsSync(SYSCTL_LOG_ALL_NETNS)) return fail(`${SYSCTL_LOG_ALL_NETNS} is missing (no netfilter logging in this kernel)`);
  try {
    fs.accessSync('/dev/kmsg', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return fail('/dev/kmsg cannot be read');
  }
  // Can we create a namespace at all (containers often forbid it)?
  const probe = `gwlab-probe-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync(tools.ip, ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (e) {
    return fail(`network namespaces cannot be created here: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
  }
  try { execFileSync(tools.ip, ['netns', 'del', probe], { stdio: 'pipe' }); } catch { /* ignore */ }
  return { ok: true, firewall, tools };
}

function run(file: string, args: string[], timeoutMs = 120000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${err.message}\n${stderr}`.trim()));
      } else {
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      }
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface KmsgRecord {
  /** Syslog priority (facility*8 + level). */
  pri: number;
  /** Kernel timestamp, microseconds since boot. */
  usec: number;
  text: string;
}

/**
 * Reads /dev/kmsg without blocking: opened O_NONBLOCK, drained to the end once (the "seek to end"),
 * then drained every 50 ms; keeps only records whose text starts with one of the prefixes.
 */
export class KmsgReader {
  private fd: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly buf = Buffer.alloc(16384);
  readonly records: KmsgRecord[] = [];
  overruns = 0;

  constructor(private readonly keep: (text: string) => boolean) {}

  start(): void {
    this.fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    this.drain(false);
    this.timer = setInterval(() => this.drain(true), 50);
  }

  /** Reads every record available now. */
  drain(keep = true): void {
    if (this.fd === undefined) return;
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') { this.overruns++; continue; } // records were overwritten before we read them
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return;
        throw e;
      }
      if (n <= 0) return;
      if (!keep) continue;
      const rec = this.buf.toString('utf8', 0, n);
      const semi = rec.indexOf(';');
      if (semi < 0) continue;
      const head = rec.slice(0, semi).split(',');
      let text = rec.slice(semi + 1);
      const nl = text.indexOf('\n');
      if (nl >= 0) text = text.slice(0, nl);
      if (!this.keep(text)) continue;
      this.records.push({ pri: Number(head[0]) & 0xff, usec: Number(head[2]), text });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.fd !== undefined) {
      try { this.drain(true); } catch { /* ignore */ }
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** RFC 3164 timestamp in UTC: "Nov 23 10:00:01" (day padded with a space). */
export function rfc3164Time(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** The kernel's own "[ 1405.859653]" stamp. */
function kernelStamp(usec: number): string {
  const s = Math.floor(usec / 1e6);
  const us = String(usec % 1e6).padStart(6, '0');
  return `[${String(s).padStart(5, ' ')}.${us}]`;
}

/** Key=value fields of a kernel LOG line, with the bare TCP flags as `flags`. */
export function kernelFields(text: string): { kv: Record<string, string>; flags: string[] } {
  const kv: Record<string, string> = {};
  const flags: string[] = [];
  const i = text.indexOf('IN=');
  const body = i >= 0 ? text.slice(i) : text;
  let inOpt = false;
  for (const tok of body.split(' ')) {
    if (!tok) continue;
    if (tok.startsWith('OPT')) { inOpt = true; continue; }
    if (inOpt) continue;
    const eq = tok.indexOf('=');
    if (eq > 0) {
      const k = tok.slice(0, eq);
      if (!(k in kv)) kv[k] = tok.slice(eq + 1);
    } else if (['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG', 'ECE', 'CWR'].includes(tok)) {
      flags.push(tok);
    }
  }
  return { kv, flags };
}

interface ScenarioSpec {
  name: string;
  description: string;
  source: string;
  attacker: string;
  victims: string[];
  expected_type: string | null;
  expected_subtype?: string;
  /** Runs alongside the others (long, slow scenarios). */
  background?: boolean;
  run: () => Promise<string>;
}

/** Another lab held the host-wide lock for longer than we were willing to wait. */
export class LabBusyError extends Error {}

export interface LabOptions {
  /** Where to write lab.log and lab.manifest.json (default test-output/lab). */
  outDir?: string;
  /** How long to wait for another lab's lock before giving up (ms). */
  lockWaitMs?: number;
  log?: (msg: string) => void;
}

export class Lab {
  readonly id = randomBytes(3).toString('hex');
  readonly prefix = `gwl${this.id} `;
  readonly ns = {
    inet: `gwlab-${this.id}-inet`,
    rtr: `gwlab-${this.id}-rtr`,
    srv: `gwlab-${this.id}-srv`,
    pc: `gwlab-${this.id}-pc`,
  };
  readonly ifs = {
    isp: `isp-${this.id}`, wan: `wan-${this.id}`, lan: `lan-${this.id}`,
    r1: `r1-${this.id}`, r2: `r2-${this.id}`, srv: `eth-${this.id}`, pc: `eth-${this.id}`,
  };
  readonly outDir: string;
  private readonly created: string[] = [];
  private readonly children: ChildProcess[] = [];
  private sysctlBefore: string | undefined;
  private haveLock = false;
  private reader: KmsgReader | undefined;
  private webRoot: string | undefined;
  private exitHook = () => this.teardownSync();
  private torn = false;
  private readonly logf: (m: string) => void;

  constructor(readonly pre: Prereqs, private readonly opts: LabOptions = {}) {
    if (!pre.ok || !pre.firewall) throw new Error(`lab prerequisites missing: ${pre.reason}`);
    this.outDir = opts.outDir ?? OUT_DIR;
    this.logf = opts.log ?? (() => undefined);
  }

  private get ip(): string { return this.pre.tools.ip!; }

  private nsx(ns: string, args: string[], timeoutMs?: number) {
    return run(this.ip, ['netns', 'exec', ns, ...args], timeoutMs);
  }

  private ipn(ns: string, args: string): Promise<unknown> {
    return run(this.ip, ['-n', ns, ...args.split(' ')]);
  }

  /** Starts a long-running process in a namespace; resolves when its output contains `readyText`. */
  private startDaemon(ns: string, args: string[], readyText: string): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.ip, ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.push(child);
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${out}`)), 15000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes(readyText)) { clearTimeout(timer); resolve(child); }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)); });
    });
  }

  private async lock(): Promise<void> {
    const deadline = Date.now() + (this.opts.lockWaitMs ?? 240000);
    for (;;) {
      try {
        fs.mkdirSync(LOCK_DIR);
        fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
        this.haveLock = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let pid = 0;
      try { pid = Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8')); } catch { /* being written */ }
      let alive = true;
      if (pid > 0) {
        try { process.kill(pid, 0); } catch { alive = false; }
      } else {
        try { alive = Date.now() - fs.statSync(LOCK_DIR).mtimeMs < 10000; } catch { alive = false; }
      }
      if (!alive) {
        // A lab that died without cleaning up: put back the sysctl value it saved before changing it.
        try {
          const saved = fs.readFileSync(path.join(LOCK_DIR, 'sysctl-before'), 'utf8').trim();
          if (saved === '0' || saved === '1') fs.writeFileSync(SYSCTL_LOG_ALL_NETNS, saved);
        } catch { /* it had not changed it */ }
        fs.rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new LabBusyError(`another gatewatch lab (pid ${pid}) holds ${LOCK_DIR}`);
      await sleep(1000);
    }
  }

  /** Namespaces left by a lab that died (only ever present while nobody holds the lock). */
  private async removeLeftovers(): Promise<void> {
    const { stdout } = await run(this.ip, ['netns', 'list']);
    for (const line of stdout.split('\n')) {
      const name = line.split(' ')[0];
      if (name && /^gwlab-[0-9a-f]{6}-(inet|rtr|srv|pc)$/.test(name)) {
        this.logf(`removing leftover namespace ${name}`);
        this.killNamespacePids(name);
        try { execFileSync(this.ip, ['netns', 'del', name], { stdio: 'pipe' }); } catch { /* ignore */ }
      }
    }
  }

  private killNamespacePids(ns: string): void {
    let pids: string[] = [];
    try {
      pids = execFileSync(this.ip, ['netns', 'pids', ns], { stdio: 'pipe' }).toString().split('\n').filter(Boolean);
    } catch { return; }
    for (const p of pids) {
      try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
    }
  }

  async setup(): Promise<void> {
    await this.lock();
    process.once('exit', this.exitHook);
    await this.removeLeftovers();
    const { ns, ifs } = this;
    for (const n of Object.values(ns)) {
      await run(this.ip, ['netns', 'add', n]);
      this.created.push(n);
      await this.ipn(n, 'link set lo up');
    }
    // Links are created directly inside the namespaces: nothing ever appears in the host's namespace.
    await run(this.ip, ['link', 'add', 'name', ifs.isp, 'netns', ns.inet, 'type', 'veth', 'peer', 'name', ifs.wan, 'netns', ns.rtr]);
    await run(this.ip, ['link', 'add', 'name', ifs.r1, 'netns', ns.rtr, 'type', 'veth', 'peer', 'name', ifs.srv, 'netns', ns.srv]);
    await run(this.ip, ['link', 'add', 'name', ifs.r2, 'netns', ns.rtr, 'type', 'veth', 'peer', 'name', ifs.pc, 'netns', ns.pc]);
    await this.ipn(ns.rtr, `link add name ${ifs.lan} type bridge`);
    await this.ipn(ns.rtr, `link set ${ifs.r1} master ${ifs.lan}`);
    await this.ipn(ns.rtr, `link set ${ifs.r2} master ${ifs.lan}`);

    // Internet: the ISP gateway, the attackers and the remote servers all live here.
    await this.ipn(ns.inet, `addr add ${ISP_GW}/29 dev ${ifs.isp}`);
    for (const a of [...SCENARIO_SOURCES, WEB1, WEB2, C2]) {
      if (a.startsWith('10.')) continue;
      await this.ipn(ns.inet, `addr add ${a}/32 dev ${ifs.isp}`);
    }
    await this.ipn(ns.inet, `link set ${ifs.isp} up`);
    await this.ipn(ns.inet, `route add ${LAN_NET} via ${WAN_IP}`);

    // Router.
    await this.ipn(ns.rtr, `addr add ${WAN_IP}/29 dev ${ifs.wan}`);
    await this.ipn(ns.rtr, `addr add ${LAN_GW}/24 dev ${ifs.lan}`);
    for (const l of [ifs.wan, ifs.lan, ifs.r1, ifs.r2]) await this.ipn(ns.rtr, `link set ${l} up`);
    await this.ipn(ns.rtr, `route add default via ${ISP_GW}`);
    await this.nsx(ns.rtr, [which('sysctl') ?? 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);

    // Office: a server with several addresses, and a PC with two (browsing, infected).
    await this.ipn(ns.srv, `addr add ${SRV}/24 dev ${ifs.srv}`);
    for (let h = 11; h <= 19; h++) await this.ipn(ns.srv, `addr add 10.99.10.${h}/24 dev ${ifs.srv}`);
    await this.ipn(ns.srv, `link set ${ifs.srv} up`);
    await this.ipn(ns.srv, `route add default via ${LAN_GW}`);
    await this.ipn(ns.pc, `addr add ${BROWSER}/24 dev ${ifs.pc}`);
    await this.ipn(ns.pc, `addr add ${BEACON_HOST}/24 dev ${ifs.pc}`);
    await this.ipn(ns.pc, `link set ${ifs.pc} up`);
    await this.ipn(ns.pc, `route add default via ${LAN_GW}`);

    await this.firewall();

    // Listeners.
    const agent = [process.execPath, path.join(__dirname, 'agent.js')];
    // Inside the lock folder, so a lab that died leaves nothing the next one does not remove.
    this.webRoot = path.join(LOCK_DIR, 'web');
    fs.mkdirSync(this.webRoot);
    for (const p of ['index.html', 'about.html', 'news.html', 'contact.html', 'style.css', 'logo.svg']) {
      fs.writeFileSync(path.join(this.webRoot, p), `<html><body><h1>${p}</h1>${'lorem ipsum '.repeat(200)}</body></html>\n`);
    }
    const py = this.pre.tools.python3;
    const waits: Promise<ChildProcess>[] = [];
    if (py) {
      waits.push(this.startDaemon(ns.inet, [py, '-u', '-m', 'http.server', '80', '--bind', '0.0.0.0', '--directory', this.webRoot], 'Serving HTTP'));
      waits.push(this.startDaemon(ns.srv, [py, '-u', '-m', 'http.server', '80', '--bind', SRV, '--directory', this.webRoot], 'Serving HTTP'));
      waits.push(this.startDaemon(ns.srv, [...agent, 'serve', SRV, '22,443,445,3389'], 'ready'));
    } else {
      waits.push(this.startDaemon(ns.inet, [...agent, 'serve', '0.0.0.0', '80'], 'ready'));
      waits.push(this.startDaemon(ns.srv, [...agent, 'serve', SRV, '22,80,443,445,3389'], 'ready'));
    }
    waits.push(this.startDaemon(ns.inet, [...agent, 'serve', C2, '443'], 'ready'));
    await Promise.all(waits);

    // Kernel logging from namespaces, and the reader (started before any lab traffic).
    this.sysctlBefore = fs.readFileSync(SYSCTL_LOG_ALL_NETNS, 'utf8').trim();
    fs.writeFileSync(path.join(LOCK_DIR, 'sysctl-before'), this.sysctlBefore);
    fs.writeFileSync(SYSCTL_LOG_ALL_NETNS, '1');
    const prefix = this.prefix;
    this.reader = new KmsgReader((t) => t.startsWith(prefix));
    this.reader.start();
    // Sanity check: the router logs, and we read it (a forwarded connection from the PC).
    await this.nsx(ns.pc, [...agent, 'connect', BROWSER, WEB2, '80', '1', '0']);
    await sleep(200);
    this.reader.drain();
    if (!this.reader.records.some((r) => r.text.includes(`SRC=${BROWSER} `))) {
      throw new Error('the router\'s LOG lines do not reach /dev/kmsg (is nf_log_all_netns honoured by this kernel?)');
    }
    this.reader.records.length = 0;
  }

  private async firewall(): Promise<void> {
    const { ifs, prefix } = this;
    const P = (s: string) => JSON.stringify(`${prefix}${s}: `);
    if (this.pre.firewall === 'iptables') {
      const rules = [
        '*filter',
        ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]',
        '-A INPUT -i lo -j ACCEPT',
        '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
        `-A INPUT -i ${ifs.lan} -j ACCEPT`,
        `-A INPUT -i ${ifs.wan} -j LOG --log-prefix ${P('DROP wan local')}`,
        `-A INPUT -i ${ifs.wan} -j DROP`,
        '-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
        `-A FORWARD -i ${ifs.lan} -o ${ifs.wan} -m conntrack --ctstate NEW -j LOG --log-prefix ${P('ACCEPT lan out')}`,
        `-A FORWARD -i ${ifs.lan} -o ${ifs.wan} -j ACCEPT`,
        `-A FORWARD -i ${ifs.wan} -o ${ifs.lan} -d ${SRV} -p tcp -m multiport --dports 22,80,443 -m conntrack --ctstate NEW -j LOG --log-prefix ${P('ACCEPT wan in')}`,
        `-A FORWARD -i ${ifs.wan} -o ${ifs.lan} -d ${SRV} -p tcp -m multiport --dports 22,80,443 -m conntrack --ctstate NEW -j ACCEPT`,
        `-A FORWARD -i ${ifs.wan} -j LOG --log-prefix ${P('DROP wan in')}`,
        `-A FORWARD -i ${ifs.wan} -j DROP`,
        'COMMIT', '',
      ].join('\n');
      await this.stdinTo(this.ns.rtr, [this.pre.tools['iptables-restore']!], rules);
    } else {
      const rules = `
table inet gwlab {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "lo" accept
    ct state established,related accept
    iifname "${ifs.lan}" accept
    iifname "${ifs.wan}" log prefix ${P('DROP wan local')} drop
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "${ifs.lan}" oifname "${ifs.wan}" ct state new log prefix ${P('ACCEPT lan out')} accept
    iifname "${ifs.lan}" oifname "${ifs.wan}" accept
    iifname "${ifs.wan}" oifname "${ifs.lan}" ip daddr ${SRV} tcp dport { 22, 80, 443 } ct state new log prefix ${P('ACCEPT wan in')} accept
    iifname "${ifs.wan}" log prefix ${P('DROP wan in')} drop
  }
}
`;
      await this.stdinTo(this.ns.rtr, [this.pre.tools.nft!, '-f', '-'], rules);
    }
  }

  private stdinTo(ns: string, args: string[], input: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const c = spawn(this.ip, ['netns', 'exec', ns, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      c.on('error', reject);
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} failed (${code}): ${err}`))));
      c.stdin.end(input);
    });
  }

  private scenarios(): ScenarioSpec[] {
    const { ns, ifs } = this;
    const nmapRaw = (src: string, extra: string[]) => async () => {
      const r = await this.nsx(ns.inet, [this.pre.tools.nmap!, '-n', '-Pn', '-T4', '-e', ifs.isp, '-S', src, ...extra], 120000);
      return lastLine(r.stdout);
    };
    const agent = [process.execPath, path.join(__dirname, 'agent.js')];
    const tcpPorts = ['-p', '1-100'];
    const stealthPorts = ['-p', '1-50'];
    const list: ScenarioSpec[] = [
      {
        name: 'syn-scan', description: 'nmap -sS (half-open SYN scan) of 100 ports on the office server',
        source: '203.0.113.11', attacker: '203.0.113.11', victims: [SRV], expected_type: 'portscan', expected_subtype: 'syn',
        run: nmapRaw('203.0.113.11', ['--max-retries', '1', '-sS', ...tcpPorts, SRV]),
      },
      {
        name: 'connect-scan', description: 'nmap -sT (full TCP connect scan) of 100 ports on the office server',
        source: '203.0.113.12', attacker: '203.0.113.12', victims: [SRV], expected_type: 'portscan', expected_subtype: 'connect',
        run: async () => {
          // A connect scan uses the kernel's own sockets: -S only picks the source address, -e is not used.
          const r = await this.nsx(ns.inet, [this.pre.tools.nmap!, '-n', '-Pn', '-T4', '--max-retries', '1', '-sT', '-S', '203.0.113.12', ...tcpPorts, SRV], 120000);
          return lastLine(r.stdout);
        },
      },
      {
        name: 'fin-scan', description: 'nmap -sF (FIN scan) of 50 ports',
        source: '203.0.113.13', attacker: '203.0.113.13', victims: [SRV], expected_type: 'portscan', expected_subtype: 'fin',
        run: nmapRaw('203.0.113.13', ['--max-retries', '1', '-sF', ...stealthPorts, SRV]),
      },
      {
        name: 'xmas-scan', description: 'nmap -sX (XMAS scan: FIN PSH URG) of 50 ports',
        source: '203.0.113.14', attacker: '203.0.113.14', victims: [SRV], expected_type: 'portscan', expected_subtype: 'xmas',
        run: nmapRaw('203.0.113.14', ['--max-retries', '1', '-sX', ...stealthPorts, SRV]),
      },
      {
        name: 'null-scan', description: 'nmap -sN (NULL scan: no TCP flags) of 50 ports',
        source: '203.0.113.15', attacker: '203.0.113.15', victims: [SRV], expected_type: 'portscan', expected_subtype: 'null',
        run: nmapRaw('203.0.113.15', ['--max-retries', '1', '-sN', ...stealthPorts, SRV]),
      },
      {
        name: 'udp-scan', description: 'nmap -sU of 10 common UDP service ports',
        source: '203.0.113.16', attacker: '203.0.113.16', victims: [SRV], expected_type: 'portscan', expected_subtype: 'udp',
        run: nmapRaw('203.0.113.16', ['--max-retries', '1', '-sU', '-p', '53,67,69,123,137,161,500,1900,5353,11211', SRV]),
      },
      {
        name: 'slow-scan', description: 'nmap -sS --scan-delay 6s of 10 ports (one port every 6 s, about a minute)',
        source: '203.0.113.17', attacker: '203.0.113.17', victims: [SRV], expected_type: 'portscan', expected_subtype: 'slow',
        background: true,
        run: nmapRaw('203.0.113.17', ['--max-retries', '0', '--scan-delay', '6s', '-sS',
          '-p', '21,23,25,110,135,139,445,1433,3389,5900', SRV]),
      },
      {
        name: 'sweep', description: 'nmap -sS -p 445 across 60 addresses of the office LAN (10.99.10.2-61)',
        source: '203.0.113.18', attacker: '203.0.113.18', victims: ['10.99.10.2-61'], expected_type: 'sweep',
        run: nmapRaw('203.0.113.18', ['--max-retries', '1', '-sS', '-p', '445', '10.99.10.2-61']),
      },
      {
        name: 'ssh-bruteforce', description: '25 SSH logins in a row (greeting, client banner, a password) to the office server, one every 0.4 s',
        source: '203.0.113.19', attacker: '203.0.113.19', victims: [SRV], expected_type: 'bruteforce',
        run: async () => lastLine((await this.nsx(ns.inet, [...agent, 'connect', '203.0.113.19', SRV, '22', '25', '400'])).stdout),
      },
      {
        name: 'browsing', description: 'an office PC fetching a few pages from two web sites at irregular times (normal use)',
        source: BROWSER, attacker: BROWSER, victims: [BROWSER], expected_type: null,
        run: async () => {
          const curl = this.pre.tools.curl;
          const visits: [string, string[], number][] = [
            [WEB1, ['index.html', 'style.css', 'logo.svg'], 1300],
            [WEB2, ['index.html', 'news.html'], 3100],
            [WEB1, ['about.html'], 700],
            [WEB2, ['contact.html', 'logo.svg'], 0],
          ];
          let n = 0;
          for (const [site, pages, pause] of visits) {
            if (curl) {
              await this.nsx(ns.pc, [curl, '-s', '-o', '/dev/null', '--interface', BROWSER, ...pages.map((p) => `http://${site}/${p}`)]);
            } else {
              await this.nsx(ns.pc, [...agent, 'connect', BROWSER, site, '80', String(pages.length), '0']);
            }
            n += pages.length;
            await sleep(pause);
          }
          return `${n} pages fetched`;
        },
      },
      {
        name: 'beacon', description: 'an infected office PC calling one remote address on 443 every 2 s, 15 times',
        source: BEACON_HOST, attacker: C2, victims: [BEACON_HOST], expected_type: 'beacon',
        background: true,
        run: async () => lastLine((await this.nsx(ns.pc, [...agent, 'connect', BEACON_HOST, C2, '443', '15', '2000'])).stdout),
      },
    ];
    return list;
  }

  /** Runs every scenario, collects the kernel lines, writes the log and the manifest. */
  async run(): Promise<LabManifest> {
    if (!this.reader) throw new Error('setup() first');
    const started = Date.now();
    const specs = this.scenarios();
    const timing = new Map<string, { t0: number; t1: number; out: string; error?: string }>();
    const exec = async (s: ScenarioSpec) => {
      const t0 = Date.now();
      this.logf(`scenario ${s.name} …`);
      try {
        const out = await s.run();
        timing.set(s.name, { t0, t1: Date.now(), out });
      } catch (e) {
        timing.set(s.name, { t0, t1: Date.now(), out: '', error: (e as Error).message });
      }
      this.logf(`scenario ${s.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    };
    const background = specs.filter((s) => s.background).map((s) => exec(s));
    for (const s of specs.filter((x) => !x.background)) await exec(s);
    await Promise.all(background);
    await sleep(500);
    this.reader.drain();

    // Kernel time → wall time: calibrate with a marker written to the log now.
    const offsetMs = await this.calibrate();
    const records = this.reader.records.filter((r) => r.text.includes(' IN='));
    const lines = records.map((r) => {
      const wall = offsetMs + r.usec / 1000;
      return `<${r.pri}>${rfc3164Time(wall)} lab-router kernel: ${kernelStamp(r.usec)} ${r.text}`;
    });
    fs.mkdirSync(this.outDir, { recursive: true });
    const logFile = path.join(this.outDir, 'lab.log');
    writeAtomic(logFile, lines.join('\n') + (lines.length ? '\n' : ''));

    const scenarios: ScenarioResult[] = specs.map((s) => {
      const mine = records.filter((r) => r.text.includes(` SRC=${s.source} `));
      const t = timing.get(s.name)!;
      const res: ScenarioResult = {
        name: s.name, description: s.description, source: s.source, attacker: s.attacker, victims: s.victims,
        expected_type: s.expected_type, lines: mine.length, duration_s: Math.round((t.t1 - t.t0) / 100) / 10,
        tool_output: t.out,
      };
      if (s.expected_subtype) res.expected_subtype = s.expected_subtype;
      if (mine.length) {
        res.first = new Date(offsetMs + mine[0]!.usec / 1000).toISOString();
        res.last = new Date(offsetMs + mine[mine.length - 1]!.usec / 1000).toISOString();
      }
      if (t.error) res.error = t.error;
      return res;
    });
    const manifest: LabManifest = {
      created: new Date().toISOString(), lab_id: this.id, log_prefix: this.prefix.trim(), firewall: this.pre.firewall!,
      home_nets: HOME_NETS, log_file: path.relative(this.outDir, logFile), total_lines: lines.length,
      kmsg_overruns: this.reader.overruns,
      duration_s: Math.round((Date.now() - started) / 100) / 10, scenarios,
    };
    writeAtomic(path.join(this.outDir, 'lab.manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  }

  private async calibrate(): Promise<number> {
    const marker = `${this.prefix}clock ${Date.now()}`;
    const before = Date.now();
    fs.writeFileSync('/dev/kmsg', `<6>${marker}\n`);
    const after = Date.now();
    for (let i = 0; i < 20; i++) {
      this.reader!.drain();
      const rec = this.reader!.records.find((r) => r.text === marker);
      if (rec) return (before + after) / 2 - rec.usec / 1000;
      await sleep(50);
    }
    // Fallback: the kernel clock is close to the boot-time clock.
    const up = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Date.now() - up * 1000;
  }

  /** Removes everything the lab created. Safe to call more than once, and after a failed setup. */
  async teardown(): Promise<void> {
    this.teardownSync();
  }

  private teardownSync(): void {
    if (this.torn) return;
    this.torn = true;
    process.removeListener('exit', this.exitHook);
    try { this.reader?.stop(); } catch { /* ignore */ }
    for (const c of this.children) {
      if (c.exitCode === null && c.pid) {
        try { process.kill(c.pid, 'SIGTERM'); } catch { /* gone */ }
      }
    }
    for (const n of this.created) this.killNamespacePids(n);
    for (const n of this.created) {
      try { execFileSync(this.ip, ['netns', 'del', n], { stdio: 'pipe' }); } catch { /* ignore */ }
    }
    this.created.length = 0;
    if (this.sysctlBefore !== undefined) {
      try { fs.writeFileSync(SYSCTL_LOG_ALL_NETNS, this.sysctlBefore); } catch { /* ignore */ }
      this.sysctlBefore = undefined;
    }
    if (this.webRoot) fs.rmSync(this.webRoot, { recursive: true, force: true });
    if (this.haveLock) {
      fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      this.haveLock = false;
    }
  }
}

const SCENARIO_SOURCES = ['203.0.113.11', '203.0.113.12', '203.0.113.13', '203.0.113.14', '203.0.113.15',
  '203.0.113.16', '203.0.113.17', '203.0.113.18', '203.0.113.19', BROWSER, BEACON_HOST];

function lastLine(s: string): string {
  const l = s.trim().split('\n').filter(Boolean);
  return l[l.length - 1] ?? '';
}

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Reads the manifest and log of the last lab run. */
export function readLastRun(dir = OUT_DIR): { manifest: LabManifest; logFile: string } | undefined {
  const mf = path.join(dir, 'lab.manifest.json');
  if (!fs.existsSync(mf)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(mf, 'utf8')) as LabManifest;
  return { manifest, logFile: path.join(dir, manifest.log_file) };
}

/** Set up, run and tear down in one call (the `npm run lab` entry point uses it). */
export async function runLab(opts: LabOptions = {}): Promise<LabManifest> {
  const pre = checkPrereqs();
  if (!pre.ok) throw new Error(`lab cannot run: ${pre.reason}`);
  const lab = new Lab(pre, opts);
  try {
    await lab.setup();
    return await lab.run();
  } finally {
    await lab.teardown();
  }
}
