// The monthly report: built (a fixed, CPU-bound piece of work) and published to a file.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

// Signs every invoice of the month into one digest.
function buildReport(invoices) {
  const hash = crypto.createHash('sha256');
  const number = Buffer.alloc(8);
  let checksum = 0;
  for (let i = 0; i < invoices; i++) {
    number.writeUInt32LE(i, 0);
    hash.update(number);
    checksum += hash.copy().digest()[0];
  }
  return { digest: hash.digest('hex'), checksum };
}

// Writes the report where the accounting team picks it up.
function publishReport(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function readReport(file) {
  return fs.readFileSync(file, 'utf8');
}

module.exports = { buildReport, publishReport, readReport };
