// Invoice totals and the date printed on an invoice.

// The total of { priceCents, quantity } lines, in cents.
function total(lines) {
  return lines.reduce((sum, line) => sum + line.priceCents * line.quantity, 0);
}

// The date printed on an invoice issued at `ms` (milliseconds since the epoch): the date in the
// local time zone (Node reads TZ at start-up).
function invoiceDate(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

module.exports = { total, invoiceDate };
