#!/usr/bin/env python3
"""Runs a dagc-generated state machine in moto's Step Functions interpreter.

moto's server (scripts/setup-moto.sh) executes state machines with its own
ASL interpreter when configured with execute_state_machine: every state,
path, intrinsic, Choice rule, Retry, Catch and Map -- distributed mode
included -- is evaluated by moto, and the definition is parsed by moto's
ASL grammar at CreateStateMachine.

moto does not run containers, so this harness plays the container runtime,
and says so: it is a test-time shim, applied to a copy of the definition,
never to what dagc generate writes. Every Task state that starts a Batch
job, an ECS task or a Lambda function gets the Resource
arn:aws:states:::sqs:sendMessage.waitForTaskToken, an integration moto
does execute; its Parameters become the MessageBody, holding the Task's
own Parameters (which moto evaluates, as it would for the real
integration: the command, the environment, the task token), the original
Resource and the state's name. TimeoutSeconds, Retry, Catch, ResultSelector
and ResultPath are left as they are. The harness polls the queue and, per
message, does what the runtime would:

  * a container (Batch, ECS): it starts the real `dagc exec -- ARGV`
    (--exec DAGC) with the Task's environment. A .waitForTaskToken task
    carries DAGC_TASK_TOKEN = the waiting state's token, and dagc exec
    reports with SendTaskSuccess / SendTaskFailure to moto's Step Functions
    API itself (AWS_ENDPOINT_URL_SFN), through a recording pass-through
    that only notes what was sent, for the trace. A .sync task has no
    token in its environment (dagc exec does not report); the harness then
    reports the job's end as the integration would: success on exit 0,
    else States.TaskFailed;
  * a Lambda function: the harness plays the function of the dagc contract
    (runs the payload's command, returns its outputs as the Payload).

On TimeoutSeconds the container is stopped as a runtime stops one: SIGTERM
to the entrypoint, SIGKILL after 2 s. A container that exits without
reporting to its token is reported failed (on AWS the state would wait
until its TimeoutSeconds).

Child machines (the states:startExecution.sync:2 integration, parts.go)
are created in moto under their own names, their ARNs substituted for the
placeholders, and started by moto itself.

Usage: moto_run.py ASL.json --index INDEX.json --exec DAGC --trace OUT.jsonl
       [--input JSON] [--timeout SECONDS] [--keep DIR] [--slots N]
Writes a trace in dagc's format (one record per attempt, the final state of
instances that never ran, {"run": state}), like run.js. Exit status: 0 run
succeeded, 1 run failed, 2 the harness itself failed.
"""
import argparse
import concurrent.futures
import http.server
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.error
import urllib.request
from datetime import datetime, timezone

import boto3
from botocore.config import Config

ZERO_TIME = "0001-01-01T00:00:00Z"
INSTANCE_STATES = {"s": "success", "f": "failed", "k": "skipped"}
MAX_OUTPUT_BYTES = 32 << 10
REGION = "us-east-1"
SHIM_RESOURCE = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
CHILD_RESOURCE = "arn:aws:states:::states:startExecution.sync:2"


def now():
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """moto_server from this venv on a free loopback port, with
    execute_state_machine on. MOTO_PORT tells moto's interpreter where its
    own service integrations (SQS here) are served."""

    def __init__(self, workdir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(workdir, "moto.log"), "wb")
        env = dict(os.environ, MOTO_PORT=str(self.port))
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", str(self.port)], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"moto_server did not start (see {self.log.name})")
                time.sleep(0.2)
        req = urllib.request.Request(self.url + "/moto-api/config", method="POST",
                                     data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode())
        urllib.request.urlopen(req, timeout=10).read()

    def client(self, service):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id="dagc-shim", aws_secret_access_key="dagc-shim",
                            # moto answers slowly under thousands of child workflows.
                            config=Config(retries={"max_attempts": 2}, max_pool_connections=64, read_timeout=900))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Recorder:
    """A pass-through to moto's API for dagc exec, noting the outcome each
    task token was sent (SendTaskSuccess / SendTaskFailure), for the
    trace. Requests and replies are moto's, unchanged."""

    def __init__(self, upstream):
        self.received = {}
        self.lock = threading.Lock()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                # The attempt ends when the engine hears of it: the state
                # goes on from here, while the container exits.
                at = now()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                req = urllib.request.Request(upstream + self.path, data=body, headers=headers, method="POST")
                try:
                    resp = urllib.request.urlopen(req, timeout=900)
                    status, data, rh = resp.status, resp.read(), resp.headers
                except urllib.error.HTTPError as e:
                    status, data, rh = e.code, e.read(), e.headers
                if status == 200:
                    target = self.headers.get("X-Amz-Target", "")
                    try:
                        doc = json.loads(body)
                    except ValueError:
                        doc = {}
                    with rec.lock:
                        if target.endswith(".SendTaskSuccess"):
                            rec.received[doc.get("taskToken")] = {"success": doc.get("output"), "at": at}
                        elif target.endswith(".SendTaskFailure"):
                            rec.received[doc.get("taskToken")] = {"error": doc.get("error", ""), "cause": doc.get("cause", ""), "at": at}
                self.send_response(status)
                for k, v in rh.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, token):
        with self.lock:
            return self.received.pop(token, None)


def walk(states, fn):
    for name, s in states.items():
        fn(name, s)
        for b in s.get("Branches", []):
            walk(b["States"], fn)
        if "ItemProcessor" in s:
            walk(s["ItemProcessor"]["States"], fn)
        if "Iterator" in s:
            walk(s["Iterator"]["States"], fn)


def typed_input(types, given):
    out = dict(given)
    for name, typ in types.items():
        v = out.get(name)
        if not isinstance(v, str):
            continue
        if typ == "number" and v.strip() != "":
            try:
                f = float(v)
                out[name] = int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
            except ValueError:
                pass
        if typ == "bool" and v in ("true", "false"):
            out[name] = v == "true"
    return out


def command_of(resource, params):
    if ":lambda:" in resource:
        return params["Payload"]["command"], params["Payload"]["env"]
    if ":ecs:" in resource:
        co = params["Overrides"]["ContainerOverrides"][0]
        return co["Command"], co["Environment"]
    return params["ContainerOverrides"]["Command"], params["ContainerOverrides"]["Environment"]


class Harness:
    def __init__(self, args):
        self.args = args
        self.definition = json.load(open(args.definition))
        self.index = json.load(open(args.index))
        self.work = args.keep or tempfile.mkdtemp(prefix="dagc-moto-")
        os.makedirs(self.work, exist_ok=True)
        self.records = []
        self.attempts = {}
        self.lock = threading.Lock()
        self.running = {}  # id → Popen, for an execution that times out
        self.timeouts = {}  # state name → TimeoutSeconds
        self.shimmed = set()
        # The runtime's capacity: attempts beyond it wait for a worker, as
        # Batch jobs wait in their queue for the compute environment.
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.slots)
        self.ended = threading.Event()  # the execution timed out
        self.seen = set()  # the shim tokens of the attempts started

    def shim(self, states, queue_url):
        def fn(name, s):
            if s.get("Type") != "Task":
                return
            if s["Resource"] == CHILD_RESOURCE:
                return
            if name not in self.index["states"]:
                raise RuntimeError(f"Task state {name!r} is not in the index {self.args.index}")
            self.timeouts[name] = s.get("TimeoutSeconds", 0)
            s["Parameters"] = {
                "QueueUrl": queue_url,
                "MessageBody": {"state": name, "resource": s["Resource"], "parameters": s.get("Parameters", {}),
                                "token.$": "$$.Task.Token"},
            }
            s["Resource"] = SHIM_RESOURCE
            self.shimmed.add(name)
        walk(states, fn)

    def run(self):
        moto = Moto(self.work)
        try:
            return self._run(moto)
        finally:
            for p in list(self.running.values()):
                stop(p)
            moto.stop()

    def _run(self, moto):
        sfn = moto.client("stepfunctions")
        sqs = moto.client("sqs")
        self.sfn = sfn
        queue = sqs.create_queue(QueueName="dagc-tasks")["QueueUrl"]
        self.recorder = Recorder(moto.url)
        account = "123456789012"
        role = f"arn:aws:iam::{account}:role/dagc-shim"
        # Child machines: created under their own names, their ARNs
        # substituted for the placeholders the template would substitute.
        arns = {}
        children = {}
        base = os.path.dirname(self.args.definition)
        for placeholder, file in (self.index.get("parts") or {}).items():
            name = os.path.basename(file)[: -len(".asl.json")].replace(".", "-")
            arns[placeholder] = f"arn:aws:states:{REGION}:{account}:stateMachine:{name}"
            children[placeholder] = (name, json.load(open(os.path.join(base, file))))

        def substitute(d):
            text = json.dumps(d)
            for placeholder, arn in arns.items():
                text = text.replace(json.dumps(placeholder)[1:-1], arn)
            return json.loads(text)

        for placeholder, (name, d) in children.items():
            self.shim(d["States"], queue)
            got = sfn.create_state_machine(name=name, definition=json.dumps(substitute(d)), roleArn=role)["stateMachineArn"]
            if got != arns[placeholder]:
                raise RuntimeError(f"child machine {name}: ARN {got}, expected {arns[placeholder]}")
        root = json.loads(json.dumps(self.definition))
        self.shim(root["States"], queue)
        root = substitute(root)
        with open(os.path.join(self.work, "shimmed.asl.json"), "w") as f:
            json.dump(root, f, indent=1)
        arn = sfn.create_state_machine(name="dagc-root", definition=json.dumps(root), roleArn=role)["stateMachineArn"]

        given = typed_input(self.index.get("params") or {}, json.loads(self.args.input) or {})
        run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
        execution = sfn.start_execution(stateMachineArn=arn, name=run_id, input=json.dumps(given))["executionArn"]
        started = time.time()
        stop_polling = threading.Event()
        pollers = [threading.Thread(target=self.poll, args=(moto.client("sqs"), queue, stop_polling), daemon=True) for _ in range(4)]
        for poller in pollers:
            poller.start()
        status = "RUNNING"
        desc = {}
        while True:
            desc = sfn.describe_execution(executionArn=execution)
            status = desc["status"]
            if status != "RUNNING":
                break
            if self.args.timeout and time.time() - started > self.args.timeout:
                sfn.stop_execution(executionArn=execution, error="dagc.HarnessTimeout", cause="the harness's --timeout")
                raise RuntimeError(f"the execution was still running after {self.args.timeout} s (--timeout)")
            time.sleep(0.2)
        stop_polling.set()
        timed_out = status == "TIMED_OUT"
        if timed_out:
            self.ended.set()
            for p in list(self.running.values()):
                stop(p)
        for poller in pollers:
            poller.join()
        self.pool.shutdown(wait=True)
        return self.write_trace(sfn, execution, status, desc, timed_out)

    def poll(self, sqs, queue, stop_polling):
        # Short polls while messages come (SQS gives at most 10 a call), a
        # long poll when the queue is empty.
        wait = 1
        while not stop_polling.is_set():
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=wait, VisibilityTimeout=3600)
            messages = got.get("Messages", [])
            wait = 0 if messages else 1
            if messages:
                sqs.delete_message_batch(QueueUrl=queue, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
            for m in messages:
                body = json.loads(m["Body"])
                # SQS delivers at least once, and moto's queue, polled by
                # several threads, may hand one message out twice: each
                # attempt (its own token) runs once.
                with self.lock:
                    if body["token"] in self.seen:
                        continue
                    self.seen.add(body["token"])
                self.pool.submit(self.attempt, body)

    def attempt(self, body):
        if self.ended.is_set():
            return  # the execution timed out before this attempt started
        try:
            self._attempt(body)
        except Exception as e:  # a harness bug must not hang the execution
            log(f"moto_run: attempt of {body.get('state')!r}: {e!r}")
            self.report(body["token"], error="dagc.HarnessError", cause=repr(e))

    def _attempt(self, body):
        name, resource, params, shim_token = body["state"], body["resource"], body["parameters"], body["token"]
        meta = self.index["states"][name]
        argv, env_list = command_of(resource, params)
        env = dict(os.environ)
        for e in env_list:
            env[e["Name"]] = e["Value"]
        instance = env.get("DAGC_INSTANCE", "") if (meta.get("instances") is not None or meta.get("dynamic")) else meta["instance"]
        key = meta["task"] + "\0" + instance
        with self.lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            attempt = self.attempts[key]
        label = f"{meta['task']}[{instance}]#{attempt}" if instance != "" else f"{meta['task']}#{attempt}"
        timeout = self.timeouts.get(name, 0)
        output_names = [o for o in env.get("DAGC_OUTPUT_NAMES", "").split(",") if o]
        start = now()
        if ":lambda:" in resource:
            problem, outputs, error = self.run_function(argv, env, timeout, label, output_names)
            end = now()
            if problem:
                self.report(shim_token, error=error, cause=f"{label}: {problem}")
            else:
                self.report(shim_token, output={"StatusCode": 200, "Payload": outputs})
        else:
            problem, outputs, end = self.run_container(argv, env, timeout, label, shim_token)
        rec = {"task": meta["task"], "instance": instance, "attempt": attempt,
               "state": "failed" if problem else "success", "start": start, "end": end}
        if not problem and output_names:
            rec["outputs"] = outputs
        with self.lock:
            self.records.append(rec)
        if problem:
            log(f"[{label}] {problem}")

    def run_container(self, argv, env, timeout, label, shim_token):
        env.update({
            "AWS_ENDPOINT_URL_SFN": self.recorder.url, "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "dagc-shim", "AWS_SECRET_ACCESS_KEY": "dagc-shim",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        })
        token = env.get("DAGC_TASK_TOKEN")
        code, err = self.run_process([self.args.exec, "exec", "--", *argv], env, os.getcwd(), timeout, label)
        if token is None:
            # .sync: the job's exit status is its result, which the
            # integration reports; here the harness does, to the shim
            # state's token (the job itself has none).
            end = now()
            if code == 0:
                self.report(shim_token, output={"Status": "SUCCEEDED"})
                return "", {}, end
            problem = f"exit status {code}" + (f" ({err})" if err else "")
            self.report(shim_token, error="States.TaskFailed", cause=f"{label}: {problem}")
            return problem, {}, end
        if token != shim_token:
            raise RuntimeError(f"DAGC_TASK_TOKEN is not the waiting state's token")
        got = self.recorder.take(token)
        if got is None:
            end = now()
            problem = f"the container exited (status {code}) without reporting to its task token"
            self.report(token, error="dagc.TaskFailed", cause=problem)
            return problem, {}, end
        if "error" in got:
            return f"{got['error']}: {got['cause']}", {}, got["at"]
        return "", json.loads(got["success"]), got["at"]

    def run_function(self, argv, env, timeout, label, output_names):
        out_dir = ""
        if output_names:
            out_dir = tempfile.mkdtemp(prefix="dagc-moto-outputs-")
            env["DAGC_OUTPUTS"] = out_dir
        cwd = os.path.abspath(env["DAGC_WORKDIR"]) if env.get("DAGC_WORKDIR") else os.getcwd()
        code, err = self.run_process(argv, env, cwd, timeout, label)
        problem, error, outputs = "", "", {}
        if code != 0:
            problem = f"exit status {code}" + (f" ({err})" if err else "")
            error = f"dagc.exit.{code}" if code > 0 and not err else "dagc.TaskFailed"
        else:
            for o in output_names:
                path = os.path.join(out_dir, o)
                if not os.path.isfile(path):
                    problem, error = f"declared output {o} was not written", "dagc.TaskFailed"
                    break
                v = open(path, "rb").read()
                if v.endswith(b"\n"):
                    v = v[:-1]
                if len(v) > MAX_OUTPUT_BYTES:
                    problem, error = f"output {o} is {len(v)} bytes, more than 32 KiB", "dagc.TaskFailed"
                    break
                outputs[o] = v.decode("utf-8")
        return problem, outputs, error

    def run_process(self, argv, env, cwd, timeout, label):
        try:
            p = subprocess.Popen(argv, env=env, cwd=cwd, start_new_session=True,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as e:
            return -1, str(e)
        with self.lock:
            self.running[id(p)] = p
        timer = threading.Timer(timeout, stop, args=(p,)) if timeout else None
        if timer:
            timer.start()
        for line in p.stdout:
            line = line.decode("utf-8", "replace").rstrip("\n")
            if line:
                sys.stderr.write(f"[{label}] {line}\n")
        p.wait()
        if timer:
            timer.cancel()
        with self.lock:
            self.running.pop(id(p), None)
        if p.returncode < 0:
            return -1, f"killed by {signal.Signals(-p.returncode).name}"
        return p.returncode, ""

    def report(self, token, output=None, error=None, cause=""):
        try:
            if error is None:
                self.sfn.send_task_success(taskToken=token, output=json.dumps(output))
            else:
                self.sfn.send_task_failure(taskToken=token, error=error, cause=cause[:32768])
        except Exception as e:  # the state timed out already
            log(f"moto_run: reporting to a task token: {e}")

    def history(self, sfn, execution):
        events, kw = [], {}
        while True:
            got = sfn.get_execution_history(executionArn=execution, maxResults=1000, **kw)
            events += got["events"]
            if not got.get("nextToken"):
                return events
            kw = {"nextToken": got["nextToken"]}

    def write_trace(self, sfn, execution, status, desc, timed_out):
        events = self.history(sfn, execution)
        final_doc, decided = None, {}
        for ev in events:
            if ev["type"].endswith("StateExited"):
                out = ev.get("stateExitedEventDetails", {}).get("output")
                try:
                    doc = json.loads(out) if out else None
                except ValueError:
                    doc = None
                if isinstance(doc, dict) and isinstance(doc.get("tasks"), dict):
                    decided.update(doc["tasks"])
            # The run's last judgement ends in a Succeed or Fail state
            # whose input is the whole run state.
            if ev["type"] in ("SucceedStateEntered", "FailStateEntered"):
                doc = json.loads(ev["stateEnteredEventDetails"]["input"])
                if isinstance(doc, dict) and isinstance(doc.get("tasks"), dict):
                    final_doc = doc
        with open(os.path.join(self.work, "history.json"), "w") as f:
            json.dump(events, f, indent=1, default=str)
        run_state = "success" if status == "SUCCEEDED" else "failed"
        if final_doc is None and not timed_out:
            raise RuntimeError(f"the run ended {status} before its final run-state check: {desc.get('error')}: {desc.get('cause')}")
        doc_tasks = final_doc["tasks"] if final_doc else decided

        instances = []
        dynamic = []
        for name, meta in self.index["states"].items():
            if name not in self.shimmed:
                continue
            if meta.get("dynamic"):
                dynamic.append(meta)
            elif meta.get("instances") is not None:
                for i, k in enumerate(meta["instances"]):
                    instances.append({"task": meta["task"], "instance": k, "index": i, "key": meta["key"]})
            else:
                instances.append(meta)
        instances += self.index.get("never") or []
        for meta in dynamic:
            rec = doc_tasks.get(meta["key"])
            if rec and "instances" in rec:
                for i in range(len(rec["instances"])):
                    instances.append({"task": meta["task"], "instance": str(i), "index": i, "key": meta["key"]})
            else:
                instances.append({"task": meta["task"], "instance": "", "index": 0, "key": meta["key"], "whole": True})

        def state_of(tasks, meta):
            rec = tasks.get(meta["key"])
            if rec is None:
                return None
            if "instances" in rec and not meta.get("whole"):
                return INSTANCE_STATES.get(rec["instances"][meta["index"]])
            return rec.get("state")

        last = {}  # the last attempt of each instance
        for r in self.records:
            k = r["task"] + "\0" + r["instance"]
            if k not in last or r["attempt"] > last[k]["attempt"]:
                last[k] = r
        records = list(self.records)
        for meta in instances:
            seen = last.get(meta["task"] + "\0" + meta["instance"])
            if timed_out:
                if not seen:
                    records.append({"task": meta["task"], "instance": meta["instance"], "attempt": 0,
                                    "state": state_of(decided, meta) or "upstream_failed", "start": ZERO_TIME, "end": ZERO_TIME})
                continue
            state = state_of(final_doc["tasks"], meta)
            if state is None:
                raise RuntimeError(f"task {meta['task']} has no record in the final run state")
            if seen:
                if seen["state"] != state:
                    raise RuntimeError(f"{meta['task']}[{meta['instance']}]: the state machine recorded {state} but the last attempt ended {seen['state']}")
                continue
            records.append({"task": meta["task"], "instance": meta["instance"], "attempt": 0, "state": state,
                            "start": ZERO_TIME, "end": ZERO_TIME})
        with open(self.args.trace, "w") as f:
            for r in records:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
            f.write(json.dumps({"run": run_state}) + "\n")
        if run_state == "failed":
            log(f"run failed: {status} {desc.get('error')}: {desc.get('cause')}")
        return 0 if run_state == "success" else 1


def die_with_parent():
    """Linux: the child gets SIGTERM when the harness dies, even by
    SIGKILL (a caller's timeout), so no server is left behind."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop(p):
    """Stops a container as a runtime does: SIGTERM to the entrypoint,
    SIGKILL to its group after 2 s."""
    if p.poll() is not None:
        return
    try:
        p.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        return

    def kill():
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    threading.Timer(2, kill).start()


def definite_path_value(path, data):
    """moto's extract_json (asl/utils/json_path.py), with its own deviation
    from LocalStack's (the "Last condition" there, for moto issue 7825)
    limited to the filter paths that issue is about. Its code replaces the
    original's, so it runs with that module's globals."""
    input_expr = parse(path)  # noqa: F821 -- json_path's globals
    matches = input_expr.find(data)
    if not matches:
        if _contains_slice_or_wildcard_array(path):  # noqa: F821
            return []
        raise NoSuchJsonPathError(json_path=path, data=data)  # noqa: F821
    if (
        len(matches) > 1
        or isinstance(matches[0].path, Index)  # noqa: F821
        or ("[?" in path and matches[0].context and isinstance(matches[0].context.path, Index))  # noqa: F821
    ):
        value = [match.value for match in matches]
        if _is_singleton_array_access(path=path) and len(value) == 1:  # noqa: F821
            value = value[0]
    else:
        value = matches[0].value
    return value


def cache_service_clients():
    """Speed only, no semantics: moto's interpreter creates a new boto3
    client for every service call a state makes
    (asl/utils/boto_client.py), which costs tens of milliseconds of CPU
    each; with thousands of child executions that is most of the run. A
    client per service, region and credentials is made once and shared
    (boto3 clients are thread-safe; creating them is not, hence the
    lock)."""
    from moto.stepfunctions.parser.asl.utils import boto_client
    import moto.stepfunctions.parser.asl.component.state.exec.state_task.service as services
    import pkgutil
    import importlib

    original = boto_client.boto_client_for
    clients, lock = {}, threading.Lock()

    def boto_client_for(region, service, state_credentials=None):
        key = (region, service, repr(state_credentials))
        with lock:
            if key not in clients:
                clients[key] = original(region=region, service=service, state_credentials=state_credentials)
            return clients[key]

    boto_client.boto_client_for = boto_client_for
    for m in pkgutil.iter_modules(services.__path__):
        mod = importlib.import_module(services.__name__ + "." + m.name)
        if getattr(mod, "boto_client_for", None) is original:
            mod.boto_client_for = boto_client_for


def serve(port):
    """moto's server, with six interpreter bugs fixed in memory (the
    installed package is left as it is), both where moto departs from
    Step Functions and from the LocalStack interpreter it derives from:

    * a definite path through an array index, $[0].params (how a
      Parallel state's ResultSelector reads its branches' results), gives
      [value] instead of value: asl/utils/json_path.py:58-63 wraps any
      match whose parent step is an index in a list, a change of moto's
      own for filter paths ($.a[?(@.x == 1)].y, moto issue 7825). The fix
      keeps that change for filter paths only;
    * an error of Step Functions' own name (States.TaskFailed,
      States.Runtime, ...) that moto passes on -- reported to a task token
      by SendTaskFailure (asl/component/state/exec/state_task/service/
      state_task_service_callback.py:298), or the error of a Parallel's
      failed branch (asl/component/state/exec/state_parallel/
      branches_decl.py:102) -- is wrapped in CustomErrorName, whose
      constructor refuses names starting with "States."
      (asl/component/common/error_name/custom_error_name.py:17): the
      execution crashes instead of the state failing with that error. That
      rule is for the names a state declares (a Fail state's Error), which
      dagc never starts with "States."; the fix lets a passed-on name
      through, so Retry and Catch apply;
    * States.StringToJson parses with Python's json.loads
      (asl/component/intrinsic/function/statesfunction/json_manipulation/
      string_to_json.py:38), which takes NaN, Infinity and -Infinity,
      which are not JSON and which Step Functions refuses: an output
      "NaN" compared as a number would be a number. The fix parses JSON
      only;
    * a .waitForTaskToken state's task token is made once per state
      (asl/component/state/exec/state_task/service/
      state_task_service_callback.py:315-325, _eval_body, outside the
      Retry loop), so a retried attempt waits on the first attempt's
      token, whose failure is already there, and fails at once; Step
      Functions gives each attempt a token of its own. The fix makes the
      token per attempt (_eval_execution);
    * States.ALL catches States.DataLimitExceeded
      (asl/component/common/error_name/error_equals_decl.py:53-54); in
      Step Functions that error is terminal, no States.ALL takes it, and
      the execution fails naming the limit. The fix lets States.ALL pass
      it by (an ErrorEquals naming it still matches);
    * moto 5.2.5 gives $$.Execution.StartTime
    as a Python datetime (backend/execution_worker.py:75, from
    backend/execution.py:266), though its own type says an ISO 8601 string
    (asl/eval/states.py:24), which is what Step Functions gives; so
    States.StringSplit($$.Execution.StartTime, 'T') -- run.date -- fails
    with States.Runtime. The fix writes the string Step Functions writes,
    milliseconds and Z."""
    from moto.server import main as moto_main
    from moto.stepfunctions.parser.backend import execution_worker

    original = execution_worker.ExecutionWorker._get_evaluation_environment

    def environment(self):
        env = original(self)
        execution = env.states.context_object.context_object_data["Execution"]
        start = execution.get("StartTime")
        if isinstance(start, datetime):
            start = start.astimezone(timezone.utc) if start.tzinfo else start.replace(tzinfo=timezone.utc)
            execution["StartTime"] = start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"
        return env

    execution_worker.ExecutionWorker._get_evaluation_environment = environment
    from moto.stepfunctions.parser.asl.component.intrinsic.function.statesfunction.json_manipulation import string_to_json

    def strict_loads(text):
        def refuse(name):
            raise ValueError(f"{name} is not JSON")
        return json.loads(text, parse_constant=refuse)

    string_to_json.json = types.SimpleNamespace(loads=strict_loads, dumps=json.dumps)

    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_callback as cb
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import StateTaskService

    def callback_body(self, env):
        StateTaskService._eval_body(self, env)
        env.states.context_object.context_object_data.pop("Task", None)

    def callback_execution(self, env):
        if self._is_integration_pattern() and ResourceCondition.WaitForTaskToken in self._supported_integration_patterns:
            self._assert_integration_pattern_is_supported()
            env.callback_pool_manager.add(env.states.context_object.update_task_token())
        StateTaskService._eval_execution(self, env)

    cb.StateTaskServiceCallback._eval_body = callback_body
    cb.StateTaskServiceCallback._eval_execution = callback_execution
    cache_service_clients()
    from moto.stepfunctions.parser.asl.component.common.error_name import error_equals_decl

    catches = error_equals_decl.ErrorEqualsDecl._eval_body

    def error_equals(self, env):
        error_name = env.stack[-1]
        if getattr(error_name, "error_name", None) == "States.DataLimitExceeded" and \
                error_equals_decl.ErrorEqualsDecl._STATE_ALL_ERROR in self.error_names:
            env.stack.pop()
            env.stack.append(False)
            return
        catches(self, env)

    error_equals_decl.ErrorEqualsDecl._eval_body = error_equals
    from moto.stepfunctions.parser.asl.utils import json_path
    json_path.extract_json.__code__ = definite_path_value.__code__
    from moto.stepfunctions.parser.asl.component.common.error_name import custom_error_name
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName

    def error_name_init(self, error_name):
        ErrorName.__init__(self, error_name=error_name)

    custom_error_name.CustomErrorName.__init__ = error_name_init
    moto_main(["-H", "127.0.0.1", "-p", str(port)])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("definition")
    ap.add_argument("--index", required=True)
    ap.add_argument("--exec", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--input", default="{}")
    ap.add_argument("--timeout", type=float, default=0)
    ap.add_argument("--keep", default="")
    ap.add_argument("--slots", type=int, default=16, help="attempts running at once (the compute environment's size)")
    args = ap.parse_args()
    try:
        return Harness(args).run()
    except Exception as e:
        import traceback
        traceback.print_exc()
        log(f"moto_run: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
