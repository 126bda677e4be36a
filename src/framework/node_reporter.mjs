// flaky's node:test reporter (`node --test --test-reporter=<this file>`): one JSON line per test
// event, with what node's JUnit reporter leaves out (the test's file, whether it is a suite, why
// it was skipped, how it failed). flaky reads the lines with src/parse/node.rs. Needs Node 18.15+
// (custom reporters); events without `file` (before Node 20) give ids without a file.
//
// It never throws: a reporter error would end node's test run.

// What a test file printed to stderr, kept to explain a file that did not load.
const STDERR_CHARS_PER_FILE = 8192;
const TEXT_CAP = 4096;

function text(value) {
  try {
    if (value === undefined || value === null) return undefined;
    let s = typeof value === 'string' ? value : String(value.message ?? value);
    // A lone surrogate would make the line invalid JSON for flaky's reader.
    if (typeof s.toWellFormed === 'function') s = s.toWellFormed();
    return s.length > TEXT_CAP ? s.slice(0, TEXT_CAP) : s;
  } catch {
    return '(a value that cannot be printed)';
  }
}

function failure(error) {
  if (!error) return undefined;
  return {
    type: text(error.failureType),
    message: text(error.message),
    cause: text(error.cause),
  };
}

export default async function* flakyReporter(source) {
  const stderrChars = new Map();
  for await (const event of source) {
    let line;
    try {
      const d = event.data ?? {};
      switch (event.type) {
        case 'test:start':
          line = { event: 'start', name: text(d.name), nesting: d.nesting, file: d.file };
          break;
        case 'test:pass':
        case 'test:fail':
          line = {
            event: event.type === 'test:pass' ? 'pass' : 'fail',
            name: text(d.name),
            nesting: d.nesting,
            file: d.file,
            line: d.line,
            suite: d.details?.type === 'suite',
            skip: d.skip === undefined ? undefined : (text(d.skip) ?? true),
            todo: d.todo === undefined ? undefined : (text(d.todo) ?? true),
            duration_ms: d.details?.duration_ms,
            error: failure(d.details?.error),
          };
          break;
        case 'test:stderr': {
          const kept = stderrChars.get(d.file) ?? 0;
          if (kept < STDERR_CHARS_PER_FILE) {
            const message = text(d.message) ?? '';
            stderrChars.set(d.file, kept + message.length);
            line = { event: 'stderr', file: d.file, text: message };
          }
          break;
        }
        default:
          break;
      }
    } catch {
      line = undefined;
    }
    if (line) yield `${JSON.stringify(line)}\n`;
  }
}
