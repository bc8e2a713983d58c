// `npm run hash-password`: reads a password (typed, or piped in) and prints its bcrypt hash for
// GATEWATCH_PASSWORD_HASH. Uses the bcryptjs that Node-RED itself checks passwords with.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

const require = createRequire(createRequire(import.meta.url).resolve('node-red/package.json'));
const bcrypt = require('bcryptjs');

const rl = createInterface({ input: process.stdin, output: process.stdin.isTTY ? process.stderr : undefined, terminal: false });
if (process.stdin.isTTY) process.stderr.write('Password for the gatewatch editor (at least 8 characters): ');
let got = false;
rl.once('line', (pw) => {
  got = true;
  rl.close();
  if (pw.length < 8) {
    process.stderr.write('gatewatch: a password of at least 8 characters, please.\n');
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${bcrypt.hashSync(pw, 10)}\n`);
});
rl.once('close', () => {
  if (!got) { process.stderr.write('gatewatch: no password given.\n'); process.exitCode = 1; }
});
