// Node-RED wants each node's .html, locales/ and icons/ beside its compiled .js: copy them into dist/.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const nodesDir = join(root, 'nodes');
if (existsSync(nodesDir)) {
  for (const name of readdirSync(nodesDir)) {
    const src = join(nodesDir, name);
    if (!statSync(src).isDirectory()) continue;
    const dst = join(root, 'dist', 'nodes', name);
    for (const entry of readdirSync(src)) {
      if (entry.endsWith('.ts')) continue;
      cpSync(join(src, entry), join(dst, entry), { recursive: true });
    }
  }
}
