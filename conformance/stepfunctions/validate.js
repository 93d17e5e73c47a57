#!/usr/bin/env node
// Validates Amazon States Language definitions with both asl-validator and
// AWS's amazon-states-language-service (strict: every diagnostic of any
// severity is a failure). Usage: node validate.js FILE.asl.json...
// Modules are looked up in $DAGC_CACHE/node (see scripts/setup-stepfunctions.sh).
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');

const cache = process.env.DAGC_CACHE || path.join(os.homedir(), '.cache', 'dagc');
const modules = path.join(cache, 'node', 'node_modules');
const aslValidator = require(path.join(modules, 'asl-validator'));
const asl = require(path.join(modules, 'amazon-states-language-service'));

async function validate(file) {
  const text = fs.readFileSync(file, 'utf8');
  const problems = [];
  let definition;
  try {
    definition = JSON.parse(text);
  } catch (e) {
    return [`not JSON: ${e.message}`];
  }
  const res = aslValidator(definition, { checkPaths: true, checkArn: true });
  if (!res.isValid) {
    for (const e of res.errors) {
      problems.push(`asl-validator: ${e['Error code'] || ''} ${e.path || e.instancePath || ''} ${e.message || JSON.stringify(e)}`.trim());
    }
  }
  const ls = asl.getLanguageService({});
  const doc = asl.TextDocument.create(`file://${path.resolve(file)}`, 'json', 0, text);
  const jsonDoc = ls.parseJSONDocument(doc);
  const diags = await ls.doValidation(doc, jsonDoc);
  for (const d of diags) {
    problems.push(`amazon-states-language-service: line ${d.range.start.line + 1}: ${d.message}`);
  }
  return problems;
}

(async () => {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node validate.js FILE.asl.json...');
    process.exit(2);
  }
  let bad = 0;
  for (const f of files) {
    const problems = await validate(f);
    if (problems.length > 0) {
      bad++;
      for (const p of problems) console.log(`${f}: ${p}`);
    } else {
      console.log(`${f}: ok (asl-validator, amazon-states-language-service)`);
    }
  }
  process.exit(bad > 0 ? 1 : 0);
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(2);
});
