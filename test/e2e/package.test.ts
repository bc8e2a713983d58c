/**
 * What a user installs: the tarball `npm pack` makes (package.json `files`), unpacked into a Node-RED user
 * folder's node_modules the way the palette manager installs it, with only the runtime dependencies beside it.
 * Node-RED (no nodesDir: it finds the pack where an installed pack lives) must load every node, list the
 * examples under Import › Examples, and run the appliance flow from the package; the command line must run
 * from the package too. A file the code needs but `files` leaves out, or a development dependency used at
 * run time, fails here and nowhere else.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures';
import { freePort, sendUdp } from '../helpers/net';
import { RunningRed, startNodeRed } from '../helpers/nodered';

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const NAME: string = PKG.name;

const scanLine = (port: number) =>
  `<4>Dec  3 10:15:01 OpenWrt kernel: DROP(src wan)IN=eth1 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=203.0.113.77 DST=198.51.100.2 LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=1 PROTO=TCP SPT=51515 DPT=${port} WINDOW=1024 RES=0x00 SYN URGP=0`;

/** Every bare module name a compiled file requires. */
function requiredModules(dir: string, out = new Set<string>()): Set<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) requiredModules(p, out);
    else if (e.name.endsWith('.js')) {
      for (const m of readFileSync(p, 'utf8').matchAll(/require\(\s*["']([^"'.][^"']*)["']\s*\)/g)) {
        const spec = m[1]!;
        out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return out;
}

describe('the published package, installed as the palette manager installs it', function () {
  this.timeout(120000);
  let work: string;
  let unpacked: string;
  let red: RunningRed;
  let syslogPort: number;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'gw-pack-'));
    // (dist/ is already built by `npm test`; --ignore-scripts keeps pack from building it again meanwhile)
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tarball = join(work, JSON.parse(out)[0].filename);
    execFileSync('tar', ['-xzf', tarball, '-C', work]);
    unpacked = join(work, 'package');
  });

  after(async () => {
    await red?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled nodes with their editor files, the flows and the examples, and no tests', () => {
    for (const [type, file] of Object.entries<string>(PKG['node-red'].nodes)) {
      expect(existsSync(join(unpacked, file)), `${type}: ${file}`).to.equal(true);
      expect(existsSync(join(unpacked, file.replace(/\.js$/, '.html'))), `${type}: its editor file`).to.equal(true);
      expect(existsSync(join(unpacked, file.replace(/[^/]+$/, 'locales/en-US'))), `${type}: its messages`).to.equal(true);
    }
    expect(existsSync(join(unpacked, 'flows', 'gatewatch-appliance.json'))).to.equal(true);
    expect(readdirSync(join(unpacked, 'examples')).filter((f) => f.endsWith('.json')).length).to.be.at.least(5);
    expect(existsSync(join(unpacked, 'dist', 'test')), 'tests are not shipped').to.equal(false);
    expect(existsSync(join(unpacked, 'dist', 'bench')), 'benchmarks are not shipped').to.equal(false);
  });

  it('needs at run time only its declared dependencies and Node itself', () => {
    const needed = requiredModules(join(unpacked, 'dist'));
    for (const m of requiredModules(join(unpacked, 'bin'))) needed.add(m);
    const declared = new Set(Object.keys(PKG.dependencies ?? {}));
    // (playwright-core: optional, only for `report --pdf`; without it the command says what to install)
    const optional = new Set(['playwright-core']);
    const undeclared = [...needed].filter((m) => !declared.has(m) && !optional.has(m) && !builtinModules.includes(m.replace(/^node:/, '')));
    expect(undeclared).to.deep.equal([]);
    expect(needed.has('node-red'), 'the nodes get RED from Node-RED, they never require it').to.equal(false);
  });

  it('runs in a Node-RED user folder: every node loads, examples are offered, the appliance flow works', async () => {
    const flows: any[] = JSON.parse(readFileSync(join(unpacked, 'flows', 'gatewatch-appliance.json'), 'utf8'));
    syslogPort = await freePort();
    for (const n of flows) if (n.type === 'gatewatch-syslog') { n.port = String(syslogPort); n.host = '127.0.0.1'; }
    // Our settings, minus nodesDir (which points at the working tree): Node-RED finds the pack in node_modules.
    const settings = join(work, 'settings.js');
    writeFileSync(settings, `module.exports = Object.assign({}, require(${JSON.stringify(join(ROOT, 'scripts', 'settings.js'))}), { nodesDir: [] });\n`);
    red = await startNodeRed(flows, {
      settings,
      prepare: (userDir) => {
        // (the palette manager also lists the pack in the user folder's package.json)
        writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true, dependencies: { [NAME]: PKG.version } }));
        const nm = join(userDir, 'node_modules');
        mkdirSync(nm, { recursive: true });
        cpSync(unpacked, join(nm, NAME), { recursive: true });
        // Only the runtime dependencies, as `npm install` would put them (their own dependencies resolve
        // from where they really live).
        for (const dep of Object.keys(PKG.dependencies)) symlinkSync(join(ROOT, 'node_modules', dep), join(nm, dep), 'dir');
      },
    });
    expect(red.log()).to.not.match(/Waiting for missing types/);
    const sets: any[] = await (await fetch(`${red.url}/nodes`, { headers: { Accept: 'application/json' } })).json();
    const ours = sets.filter((s) => s.module === NAME);
    for (const s of ours) expect(s.err, `${s.id} loaded`).to.equal(undefined);
    expect(ours.flatMap((s) => s.types)).to.include.members(Object.keys(PKG['node-red'].nodes));

    const examples: any = await (await fetch(`${red.url}/library/examples/flows/${NAME}`)).json();
    const names = JSON.stringify(examples);
    expect(names).to.contain('Syslog to weekly report');
    const one: any[] = await (await fetch(`${red.url}/library/examples/flows/${NAME}/${encodeURIComponent('01 Syslog to weekly report')}`)).json();
    expect(one.some((n) => n.type === 'gatewatch-detect')).to.equal(true);

    // A port scan over UDP: parsed, and detect opens an incident (both counted at /gatewatch/health).
    await sendUdp(syslogPort, Array.from({ length: 30 }, (_, i) => scanLine(1000 + i)));
    type Health = { nodes: Record<string, { text: string }>; errorCount: number };
    let texts = '';
    let h: Health = { nodes: {}, errorCount: -1 };
    for (const end = Date.now() + 20000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      h = await (await fetch(`${red.url}/gatewatch/health`)).json() as Health;
      texts = Object.values(h.nodes).map((n) => n.text).join(' | ');
      if (/30 events/.test(texts) && /1 open/.test(texts)) break;
    }
    expect(texts).to.match(/30 events/);
    expect(texts).to.match(/1 open/);
    expect(h.errorCount).to.equal(0);
  });

  it('runs its command line from the package', () => {
    const out = execFileSync(process.execPath, [join(unpacked, 'bin', 'gatewatch.js'), 'parse', '--format', 'auto', '-'], {
      input: scanLine(22) + '\n',
      encoding: 'utf8',
      // (resolution from the unpacked folder reaches no node_modules: point it at the project's)
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
    });
    const ev = JSON.parse(out.trim().split('\n')[0]!);
    expect(ev.source.ip).to.equal('203.0.113.77');
    expect(ev.destination.port).to.equal(22);
    expect(ev.observer.vendor).to.equal('netfilter');
  });
});
