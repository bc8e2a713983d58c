import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures';

describe('gatewatch-report editor files', () => {
  const dir = join(ROOT, 'dist', 'nodes', 'gatewatch-report');
  const html = readFileSync(join(dir, 'gatewatch-report.html'), 'utf8');
  const locale = JSON.parse(readFileSync(join(dir, 'locales', 'en-US', 'gatewatch-report.json'), 'utf8'));

  it('registers the type literally, with a template and markdown help', () => {
    expect(html).to.match(/<script type="text\/javascript">\s*RED\.nodes\.registerType\('gatewatch-report'/);
    expect(html).to.contain('data-template-name="gatewatch-report"');
    expect(html).to.contain('<script type="text/markdown" data-help-name="gatewatch-report">');
    expect(html).to.contain("icon: 'gatewatch-report.svg'");
    expect(readFileSync(join(dir, 'icons', 'gatewatch-report.svg'), 'utf8')).to.contain('<svg');
  });

  it('has an input for every setting and a message for every key it uses', () => {
    const defaults = html.slice(html.indexOf('defaults: {'), html.indexOf('inputs:'));
    const keys = [...defaults.matchAll(/^\s{12}(\w+): \{/gm)].map((m) => m[1]!);
    expect(keys).to.include.members(['site', 'weekly', 'weeklyDay', 'weeklyTime', 'monthly', 'monthlyDay', 'writeFiles', 'folder', 'storePath', 'retentionMonths', 'maxSizeMB', 'keepRawDays']);
    for (const k of keys) expect(html, k).to.contain(`id="node-input-${k}"`);
    const used = [...readFileSync(join(ROOT, 'nodes', 'gatewatch-report', 'gatewatch-report.ts'), 'utf8').matchAll(/'gatewatch-report\.([\w.]+)'/g), ...html.matchAll(/gatewatch-report\.([\w.]+)/g)]
      .map((m) => m[1]!).filter((k) => !k.endsWith('svg') && !k.endsWith('html') && !k.endsWith('js'));
    for (const k of new Set(used)) {
      const v = k.split('.').reduce((o: any, p) => (o ? o[p] : undefined), locale['gatewatch-report']);
      expect(v, k).to.not.equal(undefined);
    }
  });
});
