import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync, utimesSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FEEDS, effectiveRefreshS, Feed, FeedDef, FeedStore, guessFormat, loadFeedFiles, parseFeedText, splitCsv } from '../../src/enrich/feeds';
import { FeedSet } from '../../src/enrich/reputation';

describe('enrich: feed formats', () => {
  it('reads plain lists with # and ; comments (FireHOL netset, blocklist.de, ET)', () => {
    const text = '#\n# firehol style header\n#\n198.51.100.0/24\n203.0.113.7 # trailing comment\n; semicolon comment\n\n2001:db8:bad::/48\r\nnot-an-ip\n';
    const p = parseFeedText(text, 'plain');
    expect(p.entries).to.deep.equal(['198.51.100.0/24', '203.0.113.7', '2001:db8:bad::/48']);
    expect(p.bad).to.equal(1);
    expect(p.lines).to.equal(4);
  });

  it('reads Spamhaus DROP text and JSON', () => {
    const txt = '; Spamhaus DROP List 2026/11/23 - (c) 2026 The Spamhaus Project\n; Last-Modified: Mon, 23 Nov 2026 10:00:00 GMT\n198.51.100.0/24 ; SBL000001\n203.0.113.0/25 ; SBL000002\n';
    expect(parseFeedText(txt, 'spamhaus-drop').entries).to.deep.equal(['198.51.100.0/24', '203.0.113.0/25']);
    const json = '{"cidr":"198.51.100.0/24","sblid":"SBL000001","rir":"ripencc"}\n{"cidr":"2001:db8:66::/48","sblid":"SBL000003","rir":"arin"}\n{"type":"metadata","timestamp":1790000000,"size":2,"records":2,"copyright":"(c) 2026 The Spamhaus Project SLU"}\n';
    const p = parseFeedText(json, 'spamhaus-json');
    expect(p.entries).to.deep.equal(['198.51.100.0/24', '2001:db8:66::/48']);
    expect(p.bad).to.equal(0);
  });

  it('reads the Tor bulk exit list and the exit-addresses document', () => {
    expect(parseFeedText('192.0.2.10\n192.0.2.11\n', 'tor-exits').entries).to.deep.equal(['192.0.2.10', '192.0.2.11']);
    const doc = 'ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2026-11-23 01:00:00\nLastStatus 2026-11-23 02:00:00\nExitAddress 192.0.2.12 2026-11-23 02:05:00\n';
    const p = parseFeedText(doc, 'tor-exits');
    expect(p.entries).to.deep.equal(['192.0.2.12']);
    expect(p.bad).to.equal(0);
  });

  it('reads abuse.ch Feodo Tracker CSV (header in a comment) and JSON', () => {
    const csv = '################\n# Feodo Tracker | Botnet C2 IP Blocklist #\n################\n# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2026-11-01 10:00:00","198.51.100.44","443","online","2026-11-22","QakBot"\n"2026-11-02 10:00:00","203.0.113.45","8080","offline","2026-11-20","Emotet"\n# END 2 entries\n';
    expect(parseFeedText(csv, 'feodo-csv').entries).to.deep.equal(['198.51.100.44', '203.0.113.45']);
    const json = '[{"ip_address":"198.51.100.44","port":443,"status":"online","malware":"QakBot"},{"ip_address":"203.0.113.45","port":8080}]';
    expect(parseFeedText(json, 'feodo-json').entries).to.deep.equal(['198.51.100.44', '203.0.113.45']);
    expect(parseFeedText('[not json', 'feodo-json').entries).to.deep.equal([]);
  });

  it('reads a generic CSV by column name or index', () => {
    const csv = 'when,address,why\n2026-11-23,"198.51.100.1",scan\n2026-11-23,203.0.113.0/24,"spam, lots"\n';
    expect(parseFeedText(csv, 'csv', 'address').entries).to.deep.equal(['198.51.100.1', '203.0.113.0/24']);
    expect(parseFeedText(csv, 'csv', 1).entries).to.deep.equal(['198.51.100.1', '203.0.113.0/24']);
    expect(parseFeedText(csv, 'csv', 'missing').entries).to.deep.equal([]);
    expect(splitCsv('a,"b,""c""",d')).to.deep.equal(['a', 'b,"c"', 'd']);
  });

  it('guesses formats and loads a folder for --feeds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-feeds-'));
    try {
      writeFileSync(join(dir, 'bad.netset'), '# list\n198.51.100.0/24\n');
      writeFileSync(join(dir, 'drop.json'), '{"cidr":"203.0.113.0/24","sblid":"SBL1"}\n');
      writeFileSync(join(dir, 'feodo.csv'), '# "first_seen_utc","dst_ip","dst_port"\n"2026-11-01","192.0.2.5","443"\n');
      writeFileSync(join(dir, '.hidden'), '192.0.2.99\n');
      expect(guessFormat('x.json', '{"cidr":"1.2.3.0/24"}')).to.equal('spamhaus-json');
      const got = loadFeedFiles([dir]);
      expect(got.map((g) => [g.def.name, g.def.format, g.parsed.entries])).to.deep.equal([
        ['bad', 'plain', ['198.51.100.0/24']], ['drop', 'spamhaus-json', ['203.0.113.0/24']], ['feodo', 'feodo-csv', ['192.0.2.5']],
      ]);
      expect(loadFeedFiles([join(dir, 'bad.netset')])).to.have.length(1);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('after a failed first download, waits before trying again (never hammering the provider)', async () => {
    const f = new Feed({ id: 's', name: 'S', url: 'http://127.0.0.1:9/drop.txt', format: 'plain', enabled: true, refreshS: 43200 }, null, { timeoutMs: 500 });
    const t0 = Date.now();
    expect(f.due(t0)).to.equal(true);
    expect(await f.refresh(t0)).to.equal('failed');
    expect(f.due(t0 + 60_000)).to.equal(false);
    expect(f.due(t0 + 901_000)).to.equal(true); // 15 min retry for a local test URL
    const sp = new Feed({ id: 'sp', name: 'SP', url: 'https://www.spamhaus.org/drop/drop_v4.json', format: 'spamhaus-json', enabled: true, refreshS: 43200 }, null);
    sp.state.lastAttemptAt = t0; sp.state.lastOutcome = 'failed';
    expect(sp.due(t0 + 1800_000)).to.equal(false); // Spamhaus: never before an hour
    expect(sp.due(t0 + 3600_000)).to.equal(true);
  });

  it('never refreshes more often than the provider allows', () => {
    const d = (url: string, refreshS: number): FeedDef => ({ id: 'x', name: 'x', url, format: 'plain', enabled: true, refreshS });
    expect(effectiveRefreshS(d('https://www.spamhaus.org/drop/drop.txt', 60))).to.equal(3600);
    expect(effectiveRefreshS(d('https://feodotracker.abuse.ch/downloads/ipblocklist.txt', 60))).to.equal(300);
    expect(effectiveRefreshS(d('https://example.com/list.txt', 1))).to.equal(600);
    expect(effectiveRefreshS(d('https://www.spamhaus.org/drop/drop.txt', 86400))).to.equal(86400);
  });
});

/** A real HTTP server on 127.0.0.1:0 whose behaviour each test sets. */
interface Srv { url: string; close(): Promise<void>; handler: (req: http.IncomingMessage, res: http.ServerResponse) => void; requests: http.IncomingHttpHeaders[] }
async function server(): Promise<Srv> {
  const s: Partial<Srv> = { requests: [] };
  const srv = http.createServer((req, res) => { s.requests!.push(req.headers); s.handler!(req, res); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  s.url = `http://127.0.0.1:${port}/list.netset`;
  s.close = () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); });
  return s as Srv;
}

const GOOD = `# test list\n${Array.from({ length: 50 }, (_, i) => `198.51.100.${i + 1}`).join('\n')}\n203.0.113.0/24\n`;

describe('enrich: feed downloads (real HTTP server)', function () {
  let srv: Srv;
  let dir: string;
  beforeEach(async () => { srv = await server(); dir = mkdtempSync(join(tmpdir(), 'gw-feedstore-')); });
  afterEach(async () => { await srv.close(); rmSync(dir, { recursive: true, force: true }); });

  const def = (): FeedDef => ({ id: 'test-list', name: 'Test list', url: srv.url, format: 'plain', enabled: true, refreshS: 1 });

  it('downloads, stores the copy with metadata, then uses ETag / If-Modified-Since (304)', async () => {
    const lm = 'Mon, 23 Nov 2026 10:00:00 GMT';
    srv.handler = (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') { res.writeHead(304); res.end(); return; }
      res.writeHead(200, { ETag: '"v1"', 'Last-Modified': lm, 'Content-Type': 'text/plain' });
      res.end(GOOD);
    };
    const f = new Feed(def(), new FeedStore(dir));
    expect(await f.refresh()).to.equal('updated');
    expect(f.state.blocks!.count).to.equal(51);
    expect(readFileSync(join(dir, 'test-list.txt'), 'utf8')).to.equal(GOOD);
    const meta = JSON.parse(readFileSync(join(dir, 'test-list.json'), 'utf8'));
    expect(meta).to.include({ etag: '"v1"', lastModified: lm, count: 51, url: srv.url });
    expect(await f.refresh()).to.equal('not-modified');
    expect(srv.requests[1]).to.include({ 'if-none-match': '"v1"', 'if-modified-since': lm });
    expect(f.state.notModified).to.equal(1);
  });

  it('follows redirects', async () => {
    srv.handler = (req, res) => {
      if (req.url === '/list.netset') { res.writeHead(302, { Location: '/moved/list.netset' }); res.end(); return; }
      res.writeHead(200); res.end(GOOD);
    };
    const f = new Feed(def(), new FeedStore(dir));
    expect(await f.refresh()).to.equal('updated');
    expect(f.state.blocks!.count).to.equal(51);
    srv.handler = (_req, res) => { res.writeHead(301, { Location: '/list.netset' }); res.end(); };
    expect(await f.refresh()).to.equal('failed');
    expect(f.state.lastError).to.match(/too many redirects/);
  });

  it('keeps the good copy on a 500, a timeout, a truncated body, an empty list and garbage', async () => {
    srv.handler = (_req, res) => { res.writeHead(200); res.end(GOOD); };
    const f = new Feed(def(), new FeedStore(dir), { timeoutMs: 300 });
    expect(await f.refresh()).to.equal('updated');

    srv.handler = (_req, res) => { res.writeHead(500); res.end('oops'); };
    expect(await f.refresh()).to.equal('failed');
    expect(f.state.lastError).to.match(/HTTP 500/);

    srv.handler = () => { /* never answers */ };
    expect(await f.refresh()).to.equal('failed');
    expect(f.state.lastError).to.match(/timed out/);

    srv.handler = (_req, res) => {
      res.writeHead(200, { 'Content-Length': String(GOOD.length) });
      res.write(GOOD.slice(0, 100));
      setTimeout(() => res.destroy(), 20);
    };
    expect(await f.refresh()).to.be.oneOf(['failed', 'rejected']);
    expect(f.state.lastError).to.match(/truncated|aborted|closed|socket hang up/i);

    srv.handler = (_req, res) => { res.writeHead(200); res.end('# nothing here today\n'); };
    expect(await f.refresh()).to.equal('rejected');
    expect(f.state.lastError).to.match(/empty/);

    srv.handler = (_req, res) => { res.writeHead(200); res.end('<html><body>\n<h1>Maintenance</h1>\n</body></html>\n198.51.100.1\n'); };
    expect(await f.refresh()).to.equal('rejected');
    expect(f.state.lastError).to.match(/garbage/);

    srv.handler = (_req, res) => { res.writeHead(200); res.end('198.51.100.1\n198.51.100.2\n'); };
    expect(await f.refresh()).to.equal('rejected');
    expect(f.state.lastError).to.match(/too few/);

    expect(f.state.failures).to.equal(3);
    expect(f.state.rejected).to.be.at.least(3);
    expect(f.state.blocks!.count).to.equal(51);
    expect(readFileSync(join(dir, 'test-list.txt'), 'utf8')).to.equal(GOOD);
  });

  it('after a restart with no network, works from the copy on disk', async () => {
    srv.handler = (_req, res) => { res.writeHead(200, { ETag: '"a"' }); res.end(GOOD); };
    const set1 = new FeedSet([def()], { storeDir: dir });
    await set1.refresh(true);
    expect(set1.index.listsOf('198.51.100.7')).to.deep.equal(['Test list']);
    set1.close();
    await srv.close();
    // "Restart": a new FeedSet, and the server is gone.
    const set2 = new FeedSet([{ ...def(), url: srv.url }], { storeDir: dir, timeoutMs: 500 });
    expect(set2.index.listsOf('198.51.100.7')).to.deep.equal(['Test list']);
    const out = await set2.refresh(true);
    expect(out).to.deep.equal(['failed']);
    expect(set2.index.listsOf('203.0.113.200')).to.deep.equal(['Test list']);
    expect(set2.summary()).to.include({ feeds: 1, withData: 1, failures: 1 });
    set2.close();
    srv = await server(); // for afterEach
  });

  it('a local file is re-read when it changes; a bad new version is refused', async () => {
    const file = join(dir, 'own.txt');
    writeFileSync(file, '198.51.100.1\n198.51.100.2\n');
    const set = new FeedSet([{ id: 'own', name: 'Own', file, format: 'plain', enabled: true }]);
    expect(set.index.listsOf('198.51.100.2')).to.deep.equal(['Own']);
    expect(await set.refresh()).to.deep.equal([]); // unchanged: nothing to do
    writeFileSync(file, '198.51.100.1\n198.51.100.2\n192.0.2.9\n');
    const t = new Date(Date.now() + 5000);
    utimesSync(file, t, t);
    expect(await set.refresh()).to.deep.equal(['updated']);
    expect(set.index.listsOf('192.0.2.9')).to.deep.equal(['Own']);
    writeFileSync(file, '<html>oops</html>\n');
    const t2 = new Date(Date.now() + 10000);
    utimesSync(file, t2, t2);
    expect(await set.refresh()).to.deep.equal(['rejected']);
    expect(set.index.listsOf('192.0.2.9')).to.deep.equal(['Own']);
    expect(await set.refresh()).to.deep.equal([]); // the refused version is not retried every tick
    set.close();
  });

  it('a refreshed list rebuilds the index and tells listeners; disabled feeds are ignored', async () => {
    let body = GOOD;
    srv.handler = (_req, res) => { res.writeHead(200); res.end(body); };
    const set = new FeedSet([def(), { ...def(), id: 'off', name: 'Off', enabled: false }], { storeDir: dir });
    expect(set.feeds).to.have.length(1);
    let changes = 0;
    set.onChange(() => changes++);
    await set.refresh(true);
    expect(set.index.listsOf('192.0.2.77')).to.deep.equal([]);
    body = `${GOOD}192.0.2.77\n`;
    await set.refresh(true);
    expect(changes).to.equal(2);
    expect(set.index.listsOf('192.0.2.77')).to.deep.equal(['Test list']);
    // Not due yet: no request.
    const before = srv.requests.length;
    await set.refresh(false);
    expect(srv.requests.length).to.equal(before);
    set.close();
    expect(existsSync(join(dir, 'off.txt'))).to.equal(false);
    mkdirSync(join(dir, 'x'), { recursive: true });
  });
});

describe('enrich: shipped feed list', () => {
  it('the editor offers exactly the engine\'s default lists, all switched off', () => {
    const html = readFileSync(join(__dirname, '..', '..', '..', 'nodes', 'gatewatch-feeds', 'gatewatch-feeds.html'), 'utf8');
    for (const f of DEFAULT_FEEDS) {
      expect(f.enabled).to.equal(false);
      expect(html).to.include(`id: '${f.id}', name: '${f.name}', url: '${f.url}', format: '${f.format}', refreshS: ${f.refreshS}, enabled: false`);
    }
    expect(html.match(/enabled: false \}/g)).to.have.length(DEFAULT_FEEDS.length);
  });
});
