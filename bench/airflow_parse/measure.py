"""Parse one DAG file RUNS times with Airflow's DagBag, as the DAG
processor does, and print the median CPU seconds (process time: a busy machine disturbs it less than wall time) (the first parse, which
imports Airflow's modules and any module the file imports, is left out).

    python measure.py DAG.py RUNS
"""
import os
import statistics
import sys
import tempfile
import time

home = tempfile.mkdtemp()
os.environ.update({
    "AIRFLOW_HOME": home,
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:///" + home + "/db",
    "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
})
from airflow.dag_processing.dagbag import DagBag  # noqa: E402

path, runs = sys.argv[1], int(sys.argv[2])
times = []
for i in range(runs + 1):
    start = time.process_time()
    bag = DagBag(dag_folder=path)
    elapsed = time.process_time() - start
    if bag.import_errors or len(bag.dags) != 1:
        sys.exit(f"{path}: {bag.import_errors or len(bag.dags)}")
    if i > 0:
        times.append(elapsed)
print(f"{statistics.median(times):.4f} {len(next(iter(bag.dags.values())).tasks)}")
