// Promise.withResolvers arrived in Node 22; aws-local-stepfunctions 3.0.0
// uses it. Load with `node --require ./polyfill.js` (run.js also loads it).
'use strict';
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
