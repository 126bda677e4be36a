// Price formatting with a module-level setting: the shared state behind the order-dependent pair.
const settings = { currency: 'EUR' };

function setCurrency(code) {
  settings.currency = code;
}

function formatPrice(amount) {
  return `${amount.toFixed(2)} ${settings.currency}`;
}

function total(items) {
  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);
}

// Deliberately wrong: the discount is applied twice (the always-failing test catches it).
function applyDiscount(amount, percent) {
  return amount * (1 - percent / 100) * (1 - percent / 100);
}

module.exports = { setCurrency, formatPrice, total, applyDiscount };
