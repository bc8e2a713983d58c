import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbuseIpdb } from '../../src/enrich/abuseipdb';
import { fakeAbuseIpdb } from '../helpers/abuseipdb-server';

describe('enrich: AbuseIPDB (real local HTTP server)', () => {
  let api: Awaited<ReturnType<typeof fakeAbuseIpdb>>;
  let dir: string;
  let now: number;
  beforeEach(async () => { api = await fakeAbuseIpdb(); dir = mkdtempSync(join(tmpdir(), 'gw-abuse-')); now = Date.UTC(2026, 10, 23, 10); });
  afterEach(async () => { await api.close(); rmSync(dir, { recursive: true, force: true }); });

  const make = (o: Partial<ConstructorParameters<typeof AbuseIpdb>[0]> = {}) =>
    new AbuseIpdb({ apiKey: 'test-key', baseUrl: api.base, stateFile: join(dir, 'budget.json'), now: () => now, ...o });

  it('answers with score, usage type, reports and ISP', async () => {
    const a = make();
    expect(await a.check('198.51.100.1')).to.deep.equal({ score: 100, usage_type: 'Data Center/Web Hosting/Transit', reports: 42, isp: 'Example Hosting' });
    expect(api.hits).to.deep.equal(['198.51.100.1']);
    const wrongKey = make({ apiKey: 'nope', stateFile: join(dir, 'other.json') });
    expect(await wrongKey.check('198.51.100.2')).to.equal(null);
    expect(wrongKey.stats.lastError).to.match(/401/);
    // A bad key pauses requests instead of spending the budget on failures.
    expect(await wrongKey.check('198.51.100.3')).to.equal(null);
    expect(wrongKey.stats.budgetRefusals).to.equal(1);
  });

  it('remembers a failed answer for an hour instead of asking again', async () => {
    const a = make();
    api.mode.status = 500;
    expect(await a.check('198.51.100.1')).to.equal(null);
    api.mode.status = 200;
    expect(await a.check('198.51.100.1')).to.equal(null);
    expect(api.hits).to.have.length(1);
    now += 3601 * 1000;
    expect(await a.check('198.51.100.1')).to.not.equal(null);
    expect(api.hits).to.have.length(2);
  });

  it('reuses answers for the TTL, then asks again', async () => {
    const a = make({ ttlS: 3600 });
    await a.check('198.51.100.1');
    await a.check('198.51.100.1');
    expect(api.hits).to.have.length(1);
    expect(a.stats.cacheHits).to.equal(1);
    now += 3601 * 1000;
    await a.check('198.51.100.1');
    expect(api.hits).to.have.length(2);
  });

  it('never exceeds the daily budget, even with concurrent checks, and remembers it across restarts', async () => {
    const a = make({ dailyBudget: 3 });
    const got = await Promise.all(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5'].map((ip) => a.check(ip)));
    expect(api.hits).to.have.length(3);
    expect(got.filter((g) => g !== null)).to.have.length(3);
    expect(a.stats.budgetRefusals).to.equal(2);
    expect(JSON.parse(readFileSync(join(dir, 'budget.json'), 'utf8'))).to.include({ day: '2026-11-23', used: 3 });
    // Restart: a new client with the same state file has nothing left today.
    const b = make({ dailyBudget: 3 });
    expect(b.remaining()).to.equal(0);
    expect(await b.check('198.51.100.6')).to.equal(null);
    expect(api.hits).to.have.length(3);
    // Next UTC day: the budget is back.
    now = Date.UTC(2026, 10, 24, 0, 0, 1);
    expect(b.remaining()).to.equal(3);
    await b.check('198.51.100.6');
    expect(api.hits).to.have.length(4);
  });

  it('on HTTP 429 stops until Retry-After', async () => {
    const a = make();
    api.mode.status = 429; api.mode.retryAfter = '120';
    expect(await a.check('198.51.100.1')).to.equal(null);
    expect(a.stats.rateLimited).to.equal(1);
    api.mode.status = 200;
    expect(await a.check('198.51.100.2')).to.equal(null);
    expect(api.hits).to.have.length(1);
    now += 121 * 1000;
    expect(await a.check('198.51.100.2')).to.not.equal(null);
    expect(api.hits).to.have.length(2);
  });

  it('on HTTP 429 without Retry-After stops until the next UTC day (also after a restart)', async () => {
    const a = make();
    api.mode.status = 429;
    await a.check('198.51.100.1');
    api.mode.status = 200;
    now += 6 * 3600 * 1000;
    const b = make();
    expect(await b.check('198.51.100.2')).to.equal(null);
    expect(api.hits).to.have.length(1);
    now = Date.UTC(2026, 10, 24, 0, 1);
    expect(await b.check('198.51.100.2')).to.not.equal(null);
  });
});
