'use strict';
// Small functions under test, plus one piece of module-level state the order-dependent pair shares.

// Module-level on purpose: it outlives a single test, which is what makes
// 'lookup starts empty' depend on whether 'register item' ran first.
const registry = new Map();

const add = (a, b) => a + b;
const mean = (values) => values.reduce((s, v) => s + v, 0) / values.length;
const slug = (text) => text.toLowerCase().split(/\s+/).filter(Boolean).join('-');
const register = (name, value) => registry.set(name, value);
const lookup = (name) => registry.get(name);

module.exports = { add, mean, slug, register, lookup };
