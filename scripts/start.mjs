// `npm start`: run a real Node-RED with this pack and the gatewatch appliance flow.
//   - user directory: .userdir/ in the project (git-ignored), created on first start
//   - the appliance flow is installed on first start; `npm start -- --reset-flow` installs it again
//   - editor: http://127.0.0.1:1880   syslog: UDP and TCP 5514
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const userDir = process.env.GATEWATCH_USER_DIR || join(root, '.userdir');
const flowsFile = join(userDir, 'flows.json');
const reset = process.argv.includes('--reset-flow');

mkdirSync(userDir, { recursive: true });
if (!existsSync(flowsFile) || reset) {
  copyFileSync(join(root, 'flows', 'gatewatch-appliance.json'), flowsFile);
  console.log(`gatewatch: installed the appliance flow into ${flowsFile}`);
}
const require = createRequire(import.meta.url);
const red = require.resolve('node-red/red.js');
const child = spawn(process.execPath, [red, '--userDir', userDir, '--settings', join(root, 'scripts', 'settings.js')], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
