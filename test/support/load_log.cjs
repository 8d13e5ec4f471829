// Preloaded (node --require) into a child by test/startup.test.ts: appends every module path that
// node resolves, through require (CommonJS) or import (ESM, via a resolve hook), to the file named
// by LORADYN_LOAD_LOG, one per line.
const fs = require('node:fs');
const Module = require('node:module');
const log = process.env.LORADYN_LOAD_LOG;
if (log) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const f = resolve.apply(this, args);
    fs.appendFileSync(log, `${f}\n`);
    return f;
  };
  const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`;
  Module.register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
