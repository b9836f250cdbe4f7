// Writes prebuilt/source-hash.txt: the SHA-256 of the extension's source files, so the test
// suite can tell when the committed prebuilt output is older than the source it came from.
// The same hash is computed in Python by tests/test_autorun_extension.py (sorted relative paths,
// each as "<path>\n<bytes>\n").
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const files = ['package.json', 'tsconfig.json', 'src/index.ts', 'style/base.css', 'style/index.css', 'style/index.js'];
const hash = crypto.createHash('sha256');
for (const rel of [...files].sort()) {
  hash.update(rel + '\n');
  hash.update(fs.readFileSync(path.join(__dirname, rel)));
  hash.update('\n');
}
fs.writeFileSync(path.join(__dirname, 'prebuilt', 'source-hash.txt'), hash.digest('hex') + '\n');
