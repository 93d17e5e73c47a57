#!/usr/bin/env node
// Runs a dagc-generated state machine in aws-local-stepfunctions, with every
// Task state overridden by a shim that plays the container runtime and the
// Step Functions callback API around the real container entrypoint: it
// starts `dagc exec -- ARGV` (the binary given with --exec) with the Task's
// environment, as Batch or ECS would start the image, and serves
// SendTaskSuccess / SendTaskFailure on loopback, where dagc exec reports
// through the AWS SDK (AWS_ENDPOINT_URL_SFN). A .sync task's result is the
// container's exit status; a .waitForTaskToken task's is what dagc exec
// sent with its token. The contract itself (DAGC_OUTPUTS, no shell, the
// output rules) is dagc exec's alone. A Lambda Task has no container: the
// shim plays the function, running the payload's command and returning its
// outputs. A failed attempt fails the state, so Retry and Catch act in the
// engine itself.
//
// Usage: node run.js ASL.json --index INDEX.json --exec DAGC --trace OUT.jsonl [--input JSON]
// INDEX.json is what stepfunctions.TestIndex returns for the pipeline (the
// suite writes it; dagc generate does not): the task instance each Task
// state runs, the param types and the files of the child machines. The
// definition carries no test metadata.
//
// A pipeline too large for one state machine has child machines, started
// by Task states with the states:startExecution.sync:2 integration, which
// aws-local-stepfunctions does not implement: such a state is overridden
// with a handler that runs the child definition in the same engine, with
// the same Task shims, and returns what the integration returns (the
// execution's output as JSON).
// Writes a trace in dagc's trace format (one record per attempt, plus the
// final state of instances that never ran, plus {"run": state}).
// Exit status: 0 run succeeded, 1 run failed, 2 the runner itself failed.
'use strict';
require('./polyfill');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');

const cache = process.env.DAGC_CACHE || path.join(os.homedir(), '.cache', 'dagc');
const { StateMachine } = loadEngine(path.join(cache, 'node', 'node_modules', 'aws-local-stepfunctions'));

// loadEngine loads aws-local-stepfunctions with two gaps fixed in memory
// (the installed package is left as it is):
//  - version 3.0.0 deletes every backslash from the string result of any
//    intrinsic function (BaseIntrinsicFunction.call), so
//    States.Format('{}', $.x) loses the backslashes of $.x; Step Functions
//    keeps them. dagc never writes an escape inside an intrinsic string
//    literal (user text is read by path), so nothing else depends on that
//    deletion.
//  - it gives states no $$.State context: Step Functions sets
//    $$.State.Name and $$.State.RetryCount (the retries of the state so
//    far, from 0) every time a state is entered or retried, which is how
//    DAGC_ATTEMPT and run.attempt are rendered. StateExecutor.execute runs
//    again for each retry with retrierAttempts counting the retries per
//    retrier, so their sum is RetryCount.
function loadEngine(dir) {
  const Module = require('module');
  const file = require.resolve(dir);
  const bug = 'result = result.replaceAll("\\\\", "");';
  const entered = '  async execute(input, context, options) {\n    const rawInput = cloneJSON(input);';
  const src = fs.readFileSync(file, 'utf8');
  if (!src.includes(bug)) {
    throw new Error(`${file}: the intrinsic backslash bug this runner fixes was not found; check the pinned version`);
  }
  if (src.split(entered).length !== 2) {
    throw new Error(`${file}: StateExecutor.execute, where this runner sets $$.State, was not found once; check the pinned version`);
  }
  const state = entered + '\n    context = { ...context, State: { ...(context.State || {}), Name: this.stateName, RetryCount: this.retrierAttempts.reduce((a, b) => a + b, 0) } };';
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(src.replace(bug, '').replace(entered, state), file);
  return m.exports;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
// A for_each task's record holds one state code per instance, in item
// order (the backend's codeSuccess, codeFailed, codeSkipped).
const INSTANCE_STATES = { s: 'success', f: 'failed', k: 'skipped' };
const MAX_OUTPUT_BYTES = 32 << 10;

function parseArgs(argv) {
  const args = { input: '{}' };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--trace') args.trace = argv[++i];
    else if (argv[i] === '--input') args.input = argv[++i];
    else if (argv[i] === '--index') args.index = argv[++i];
    else if (argv[i] === '--exec') args.exec = argv[++i];
    else rest.push(argv[i]);
  }
  if (rest.length !== 1 || !args.trace || !args.index || !args.exec) {
    throw new Error('usage: node run.js ASL.json --index INDEX.json --exec DAGC --trace OUT.jsonl [--input JSON]');
  }
  args.definition = rest[0];
  return args;
}

// walk visits every state of the definition, including Parallel branches
// and Map processors.
function walk(states, fn) {
  for (const [name, s] of Object.entries(states)) {
    fn(name, s);
    for (const b of s.Branches || []) walk(b.States, fn);
    if (s.ItemProcessor) walk(s.ItemProcessor.States, fn);
  }
}

// typedInput turns text params into the JSON types the pipeline declares
// (like a user giving typed execution input).
function typedInput(types, input) {
  if (typeof input !== 'object' || input === null) return input;
  const out = { ...input };
  for (const [name, type] of Object.entries(types)) {
    const v = out[name];
    if (typeof v !== 'string') continue;
    if (type === 'number' && v.trim() !== '' && !Number.isNaN(Number(v))) out[name] = Number(v);
    if (type === 'bool' && (v === 'true' || v === 'false')) out[name] = v === 'true';
  }
  return out;
}

function commandOf(resource, input) {
  if (resource.includes(':lambda:')) {
    return { argv: input.Payload.command, env: input.Payload.env };
  }
  if (resource.includes(':ecs:')) {
    const co = input.Overrides.ContainerOverrides[0];
    return { argv: co.Command, env: co.Environment };
  }
  return { argv: input.ContainerOverrides.Command, env: input.ContainerOverrides.Environment };
}

// taskError is the failure the container reports: dagc.exit.<code> when
// the command exited with a non-zero code by itself (what Retry.ErrorEquals
// of retry { on_exit_codes } matches), dagc.TaskFailed otherwise.
function taskError(message, name) {
  const e = new Error(message);
  e.name = name || 'dagc.TaskFailed';
  return e;
}

// callbackAPI serves the two Step Functions actions dagc exec calls, on
// loopback, and keeps what each task token received.
function callbackAPI() {
  const http = require('http');
  const received = new Map(); // token → {success: output} | {error, cause}
  const expected = new Set();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const reply = (code, doc) => {
        res.writeHead(code, { 'Content-Type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(doc));
      };
      let doc;
      try { doc = JSON.parse(body); } catch (e) { return reply(400, { __type: 'SerializationException', message: e.message }); }
      const target = req.headers['x-amz-target'] || '';
      if (!expected.has(doc.taskToken)) return reply(400, { __type: 'TaskDoesNotExist', message: 'unknown task token' });
      if (received.has(doc.taskToken)) return reply(400, { __type: 'TaskTimedOut', message: 'the task already reported' });
      if (target === 'AWSStepFunctions.SendTaskSuccess') received.set(doc.taskToken, { success: doc.output });
      else if (target === 'AWSStepFunctions.SendTaskFailure') received.set(doc.taskToken, { error: doc.error || '', cause: doc.cause || '' });
      else return reply(400, { __type: 'UnknownOperationException', message: target });
      return reply(200, {});
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      expect: (token) => expected.add(token),
      take: (token) => { const r = received.get(token); expected.delete(token); received.delete(token); return r; },
      close: () => server.close(),
    }));
  });
}

// running holds a stop function per container or function still running,
// for an execution that times out.
const running = new Set();

// stopRunning stops what still runs when the execution timed out, as Step
// Functions aborts the Task state: a .sync job is terminated (Batch
// TerminateJob, ECS StopTask: SIGTERM, then SIGKILL). AWS leaves a
// .waitForTaskToken container running (docs/stepfunctions.md, Known gaps);
// the shim stops it too, so the suite leaves nothing behind.
function stopRunning() {
  for (const stop of running) stop();
}

function runProcess(argv, env, cwd, timeoutMs, label) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: -1, error: e.message });
      return;
    }
    const prefix = (stream) => (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (line !== '') stream.write(`[${label}] ${line}\n`);
      }
    };
    child.stdout.on('data', prefix(process.stderr));
    child.stderr.on('data', prefix(process.stderr));
    // The engine stops waiting at TimeoutSeconds, and the container is
    // stopped as a runtime stops one: SIGTERM to its entrypoint, which
    // passes it on to the command, then SIGKILL after a grace period.
    let killer = null;
    const stop = () => {
      if (killer) return;
      try { process.kill(child.pid, 'SIGTERM'); } catch (_) { /* gone */ }
      killer = setTimeout(() => {
        try { process.kill(-child.pid, 'SIGKILL'); } catch (_) { /* gone */ }
      }, 2000);
    };
    running.add(stop);
    const timer = timeoutMs > 0 ? setTimeout(stop, timeoutMs) : null;
    child.on('error', (e) => { running.delete(stop); if (timer) clearTimeout(timer); resolve({ code: -1, error: e.message }); });
    child.on('close', (code, signal) => {
      running.delete(stop);
      if (timer) clearTimeout(timer);
      if (killer) clearTimeout(killer);
      resolve({ code: code === null ? -1 : code, error: signal ? `killed by ${signal}` : '' });
    });
  });
}

// runFunction plays a Lambda function of the dagc contract: it runs the
// payload's command with a fresh DAGC_OUTPUTS and returns the outputs.
async function runFunction(argv, env, timeoutMs, label) {
  const outputNames = env.DAGC_OUTPUT_NAMES ? env.DAGC_OUTPUT_NAMES.split(',') : [];
  let outDir = '';
  if (outputNames.length > 0) {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagc-sfn-outputs-'));
    env.DAGC_OUTPUTS = outDir;
  }
  const cwd = env.DAGC_WORKDIR ? path.resolve(env.DAGC_WORKDIR) : process.cwd();
  const res = await runProcess(argv, env, cwd, timeoutMs, label);
  let problem = '';
  let errorName = '';
  const outputs = {};
  if (res.code !== 0) {
    problem = `exit status ${res.code}${res.error ? ' (' + res.error + ')' : ''}`;
    if (res.code > 0 && !res.error) errorName = `dagc.exit.${res.code}`;
  } else {
    for (const o of outputNames) {
      const file = path.join(outDir, o);
      if (!fs.existsSync(file)) {
        problem = `declared output ${o} was not written`;
        break;
      }
      let value = fs.readFileSync(file);
      if (value.length > 0 && value[value.length - 1] === 0x0a) value = value.subarray(0, value.length - 1);
      if (value.length > MAX_OUTPUT_BYTES) {
        problem = `output ${o} is ${value.length} bytes, more than 32 KiB`;
        break;
      }
      outputs[o] = value.toString('utf8');
    }
  }
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  return { problem, outputs, outputNames, errorName };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const definition = JSON.parse(fs.readFileSync(args.definition, 'utf8'));
  const index = JSON.parse(fs.readFileSync(args.index, 'utf8'));
  const input = typedInput(index.params, JSON.parse(args.input) ?? {});
  const runId = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15) + 'Z-' + crypto.randomBytes(3).toString('hex');

  const api = await callbackAPI();
  let tokens = 0;
  const records = [];
  const attempts = new Map(); // "task\0instance" → count
  const instances = []; // every task instance the definition runs
  const dynamic = []; // the Task states of run-time fan-outs
  const handlers = {};
  const inflight = new Set(); // attempts still running
  const context = { Execution: { Name: runId, Id: `local:${runId}` }, Task: { Token: `local-token-${runId}` } };
  const overrides = { taskResourceLocalHandlers: handlers };
  const children = {}; // ARN placeholder → child definition
  for (const [arn, file] of Object.entries(index.parts || {})) {
    children[arn] = JSON.parse(fs.readFileSync(path.join(path.dirname(args.definition), file), 'utf8'));
  }
  const register = (name, s) => {
    if (s.Type !== 'Task') return;
    if (s.Resource === 'arn:aws:states:::states:startExecution.sync:2') {
      const child = children[s.Parameters.StateMachineArn];
      if (!child) throw new Error(`${name}: no child machine ${s.Parameters.StateMachineArn} in the index`);
      handlers[name] = async (taskInput) => {
        const m = new StateMachine(child, { validationOptions: { checkArn: false } });
        const output = await m.run(taskInput.Input, { overrides, context }).result;
        return { Status: 'SUCCEEDED', Output: output };
      };
      return;
    }
    const meta = index.states[name];
    if (!meta) throw new Error(`Task state ${JSON.stringify(name)} is not in the index ${args.index}`);
    if (meta.dynamic) {
      // A run-time fan-out: its instances are known from the run state
      // once it ends (below).
      dynamic.push(meta);
    } else if (meta.instances) {
      // A for_each task's one Task state runs every item of its Map, in
      // instance order; DAGC_INSTANCE says which at run time.
      meta.instances.forEach((key, index) => {
        instances.push({ task: meta.task, instance: key, index, key: meta.key });
      });
    } else {
      instances.push(meta);
    }
    const timeoutMs = (s.TimeoutSeconds || 0) * 1000;
    handlers[name] = (taskInput) => {
      const p = runAttempt(taskInput);
      inflight.add(p);
      const done = () => inflight.delete(p);
      p.then(done, done);
      return p;
    };
    const runAttempt = async (taskInput) => {
      const { argv, env: envList } = commandOf(s.Resource, taskInput);
      const env = { ...process.env };
      for (const e of envList) env[e.Name] = e.Value;
      const instance = meta.instances || meta.dynamic ? env.DAGC_INSTANCE : meta.instance;
      const id = meta.task + '\0' + instance;
      const attempt = (attempts.get(id) || 0) + 1;
      attempts.set(id, attempt);
      const label = instance === '' ? meta.task : `${meta.task}[${instance}]`;
      const start = new Date();
      const { problem, outputs, outputNames, errorName } = s.Resource.includes(':lambda:')
        ? await runFunction(argv, env, timeoutMs, `${label}#${attempt}`)
        : await runContainer(argv, env, timeoutMs, `${label}#${attempt}`);
      const end = new Date();
      const rec = { task: meta.task, instance, attempt, state: problem ? 'failed' : 'success', start: start.toISOString(), end: end.toISOString() };
      if (!problem && outputNames.length > 0) rec.outputs = outputs;
      records.push(rec);
      if (problem) throw taskError(`${label}: ${problem}`, errorName);
      if (s.Resource.includes(':lambda:')) return { StatusCode: 200, Payload: outputs };
      if (s.Resource.endsWith('.waitForTaskToken')) return outputs; // what SendTaskSuccess carries
      return { Status: 'SUCCEEDED' }; // a .sync job's description
    };
  };
  // runContainer starts the image's entrypoint, dagc exec, the way Batch
  // or ECS would, with a token of its own when the Task waits for one.
  async function runContainer(argv, env, timeoutMs, label) {
    const outputNames = env.DAGC_OUTPUT_NAMES ? env.DAGC_OUTPUT_NAMES.split(',') : [];
    let token = '';
    if ('DAGC_TASK_TOKEN' in env) {
      token = `dagc-shim-${runId}-${++tokens}`;
      env.DAGC_TASK_TOKEN = token;
      api.expect(token);
    }
    Object.assign(env, {
      AWS_ENDPOINT_URL_SFN: api.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'dagc-shim', AWS_SECRET_ACCESS_KEY: 'dagc-shim',
      AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    });
    const res = await runProcess([args.exec, 'exec', '--', ...argv], env, process.cwd(), timeoutMs, label);
    if (!token) {
      return { problem: res.code === 0 ? '' : `exit status ${res.code}${res.error ? ' (' + res.error + ')' : ''}`, outputs: {}, outputNames };
    }
    const got = api.take(token);
    if (!got) return { problem: `the container exited (status ${res.code}) without reporting to its task token`, outputs: {}, outputNames };
    // The error name is dagc exec's: dagc.exit.<code> when the command
    // exited non-zero by itself (what retry { on_exit_codes } matches).
    if (got.error !== undefined) return { problem: `${got.error}: ${got.cause}`, outputs: {}, outputNames, errorName: got.error };
    return { problem: '', outputs: JSON.parse(got.success), outputNames };
  }

  for (const meta of index.never || []) instances.push(meta); // no Task state: when is always false
  walk(definition.States, register);
  for (const child of Object.values(children)) walk(child.States, register);

  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(input, { overrides, context });
  let finalDoc = null;
  const verdicts = new Set(index.verdicts || []);
  // decided gathers the task records of every state's output, for an
  // execution that timed out before its final run-state check.
  const decided = {};
  const collecting = (async () => {
    for await (const ev of execution.eventLogs) {
      const doc = ev.type === 'StateExited' && ev.state && ev.state.output;
      if (doc && typeof doc.tasks === 'object' && doc.tasks !== null) Object.assign(decided, doc.tasks);
      // The last judgement holds every record: the run-state Choice, or
      // with final tasks the one that follows them (the index names both).
      if (ev.type === 'StateEntered' && ev.state && verdicts.has(ev.state.name)) finalDoc = ev.state.input;
    }
  })();
  let runState = 'success';
  let runError = null;
  try {
    await execution.result;
  } catch (e) {
    runState = 'failed';
    runError = e;
  }
  // The pipeline's timeout is the machine's TimeoutSeconds: the execution
  // ends TIMED_OUT, the Task state still running is aborted (its job
  // stopped: the attempt failed) and no further state is entered. What
  // never started is upstream_failed (DESIGN 2.4, docs/stepfunctions.md).
  const timedOut = runError !== null && runError.name === 'ExecutionTimeoutError';
  if (timedOut) {
    stopRunning();
    await Promise.allSettled([...inflight]);
  }
  await Promise.race([collecting, new Promise((r) => setTimeout(r, 200))]);
  if (finalDoc === null && !timedOut) {
    throw new Error(`the run ended before its final run-state check: ${runError ? (runError.cause || runError).message : 'no error'}`);
  }
  // stateOf is an instance's final state in a task record of the run state.
  const stateOf = (tasks, meta) => {
    const rec = tasks[meta.key];
    if (!rec) return undefined;
    return rec.instances && !meta.whole ? INSTANCE_STATES[rec.instances[meta.index]] : rec.state;
  };

  // Instances that never started get a record with their final state
  // from the run state document; the others must agree with it. Timed
  // out, the final check never ran: a state may have decided an instance
  // without running it before the timeout (a false when); any other
  // instance that never started is upstream_failed.
  const docTasks = finalDoc ? finalDoc.tasks : decided;
  for (const meta of dynamic) {
    // Expanded: one instance per element, each.key its index; else the
    // task ended as a whole (skipped, failed, upstream_failed): "".
    const rec = docTasks[meta.key];
    if (rec && rec.instances) {
      rec.instances.forEach((_, index) => instances.push({ task: meta.task, instance: String(index), index, key: meta.key }));
    } else {
      instances.push({ task: meta.task, instance: '', index: 0, key: meta.key, whole: true });
    }
  }
  const last = new Map();
  for (const r of records) last.set(r.task + '\0' + r.instance, r);
  for (const meta of instances) {
    const seen = last.get(meta.task + '\0' + meta.instance);
    if (timedOut) {
      if (!seen) records.push({ task: meta.task, instance: meta.instance, attempt: 0, state: stateOf(decided, meta) || 'upstream_failed', start: ZERO_TIME, end: ZERO_TIME });
      continue;
    }
    const state = stateOf(finalDoc.tasks, meta);
    if (state === undefined) throw new Error(`task ${meta.task} has no record in the final run state`);
    if (seen) {
      if (seen.state !== state) throw new Error(`${meta.task}[${meta.instance}]: the state machine recorded ${state} but the last attempt ended ${seen.state}`);
      continue;
    }
    records.push({ task: meta.task, instance: meta.instance, attempt: 0, state, start: ZERO_TIME, end: ZERO_TIME });
  }
  const lines = records.map((r) => JSON.stringify(r));
  lines.push(JSON.stringify({ run: runState }));
  fs.writeFileSync(args.trace, lines.join('\n') + '\n');
  if (runState === 'failed') {
    const cause = runError && (runError.cause || runError);
    process.stderr.write(`run failed: ${cause ? cause.name + ': ' + cause.message : 'unknown'}\n`);
  }
  return runState === 'success' ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`run.js: ${e.stack || e}\n`);
  process.exit(2);
});
