/**
 * The shipped example "Alert by email" runs as imported: the inject's sample incident becomes an .eml
 * file in the user dir (no mail server configured) and a short message on output 2.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helper from 'node-red-node-test-helper';
import { simpleParser } from 'mailparser';
import alertNode from '../../nodes/gatewatch-alert/gatewatch-alert';
import emailNode from '../../nodes/gatewatch-email/gatewatch-email';
import { ROOT } from '../helpers/fixtures';
import { waitFor } from '../helpers/smtp';

helper.init(require.resolve('node-red'));
// Core nodes the example uses (the helper loads only catch/status/complete by itself).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const injectNode = require(join(ROOT, 'node_modules', '@node-red', 'nodes', 'core', 'common', '20-inject.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commentNode = require(join(ROOT, 'node_modules', '@node-red', 'nodes', 'core', 'common', '90-comment.js'));

describe('example flow "Alert by email"', function () {
  this.timeout(20000);
  let userDir: string;
  beforeEach(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'gw-example-'));
    helper.settings({ userDir });
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('is a plain array of nodes and, run as is, saves the alert mail as an .eml file', async () => {
    const flow = JSON.parse(readFileSync(join(ROOT, 'examples', 'Alert by email.json'), 'utf8')) as any[];
    expect(flow).to.be.an('array');
    const types = new Set(flow.map((n) => n.type));
    expect([...types]).to.include.members(['gatewatch-alert', 'gatewatch-email']);
    // Import puts the nodes on a tab (as the editor does); the debug node is swapped for a test sink.
    for (const n of flow) {
      expect(n.z, 'example nodes carry no tab of their own').to.equal(undefined);
      n.z = 'ex';
      if (n.type === 'debug') n.type = 'helper';
    }
    flow.unshift({ id: 'ex', type: 'tab', label: 'example' });
    await helper.load([injectNode, commentNode, alertNode, emailNode], flow);
    const short: any[] = [];
    (helper.getNode('gw.ex.alert.debug') as any).on('input', (m: any) => short.push(m));
    (helper.getNode('gw.ex.alert.inject') as any).receive({});
    const outbox = join(userDir, 'gatewatch', 'outbox');
    await waitFor(() => existsSync(outbox) && readdirSync(outbox).some((f) => f.endsWith('.eml')), 5000, 'the .eml file');
    const mail = await simpleParser(readFileSync(join(outbox, readdirSync(outbox).find((f) => f.endsWith('.eml'))!)));
    expect(mail.subject).to.match(/^\[gatewatch\] High: Port scan from 203\.0\.113\.7/);
    expect(mail.html).to.include('What to do');
    await waitFor(() => short.length === 1, 3000, 'the short message');
    expect(short[0].payload).to.match(/^HIGH: Port scan/);
  });
});
