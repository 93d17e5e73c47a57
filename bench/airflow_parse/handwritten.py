"""Write the DAG file an Airflow user would write by hand for a pipeline
of bench/gen's layered shape: one BashOperator per task with its command
as bash_command, xcom_pull for the outputs it reads, and the same edges.

    python handwritten.py PIPELINE.dag.hcl > hand.py
"""
import re
import shlex
import sys

src = open(sys.argv[1], encoding="utf-8").read()
name = re.search(r'pipeline "([^"]+)"', src).group(1)
tasks = []
for m in re.finditer(r'task "([^"]+)" \{(.*?)\n\}', src, re.S):
    body = m.group(2)
    deps = re.findall(r"task\.(\w+)", (re.search(r"depends_on\s*=\s*\[(.*?)\]", body) or [None, ""])[1] if "depends_on" in body else "")
    cmd = re.search(r"command\s*=\s*\[(.*)\]", body).group(1)
    argv = [a for a in re.findall(r'"((?:[^"\\]|\\.)*)"', cmd)]
    argv = [re.sub(r"\$\{task\.(\w+)\.outputs\.(\w+)\}", r"{{ ti.xcom_pull(task_ids='\1', key='\2') }}", a) for a in argv]
    outputs = "outputs" in body
    tasks.append((m.group(1), deps, argv, outputs))

print("import pendulum")
print("from airflow.providers.standard.operators.bash import BashOperator")
print("from airflow.sdk import DAG")
print()
print(f'with DAG(dag_id="{name}_hand", schedule=None, catchup=False) as dag:')
for task, deps, argv, outputs in tasks:
    push = ", do_xcom_push=True" if outputs else ", do_xcom_push=False"
    print(f"    {task} = BashOperator(task_id={task!r}, bash_command={shlex.join(argv)!r}{push})")
for task, deps, _, _ in tasks:
    if deps:
        print(f"    [{', '.join(deps)}] >> {task}")
