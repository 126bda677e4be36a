// A job queue with a module-level list: the shared state behind the order-dependent pair.
const jobs = [];

function enqueue(job) {
  jobs.push(job);
  return jobs.length;
}

function size() {
  return jobs.length;
}

module.exports = { enqueue, size };
