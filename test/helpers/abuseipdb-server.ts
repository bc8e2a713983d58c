import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local server speaking the documented AbuseIPDB v2 check endpoint. */
export async function fakeAbuseIpdb(): Promise<{ base: string; hits: string[]; mode: { status: number; retryAfter?: string }; close(): Promise<void> }> {
  const st = { hits: [] as string[], mode: { status: 200 } as { status: number; retryAfter?: string } };
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname !== '/api/v2/check' || req.headers.key !== 'test-key' || !u.searchParams.get('maxAgeInDays')) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"errors":[{"detail":"Authentication failed"}]}');
      return;
    }
    const ip = u.searchParams.get('ipAddress') ?? '';
    st.hits.push(ip);
    if (st.mode.status === 429) {
      res.writeHead(429, st.mode.retryAfter ? { 'Retry-After': st.mode.retryAfter } : {});
      res.end('{"errors":[{"detail":"Daily rate limit of 1000 requests exceeded"}]}');
      return;
    }
    res.writeHead(st.mode.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ data: { ipAddress: ip, isPublic: true, ipVersion: 4, abuseConfidenceScore: ip.endsWith('.1') ? 100 : 12, countryCode: 'NL', usageType: 'Data Center/Web Hosting/Transit', isp: 'Example Hosting', domain: 'example.net', totalReports: 42, numDistinctUsers: 7 } }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/v2`, hits: st.hits, mode: st.mode,
    close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}

