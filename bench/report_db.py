#!/usr/bin/python3
"""Add a synthetic sweep of RUNS runs to a harness database (bench/report).

The database must already hold the schema and one real run (its machine and
kernel rows are reused). The sweep: 5 variants x 20 gups sizes, RUNS / 100
repetitions, each run with the workload's results, the key footprint, fault
and time metrics, 60 other process/region metrics, a not-counted TLB metric
and 20 samples each of mem.Rss and mem.VmPTE: the shape `harness report`
reads, at 10,000 runs.
usage: report_db.py DB [RUNS]"""
import json
import math
import random
import sqlite3
import sys
import uuid

db = sqlite3.connect(sys.argv[1])
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
rng = random.Random(1)
machine, kernel = db.execute("SELECT machine_id, kernel_id FROM runs LIMIT 1").fetchone()
variants = ["4k", "16k", "64k", "mthp-64k", "mthp-16k"]
scale = {"4k": 1.0, "16k": 0.25, "64k": 0.0625, "mthp-64k": 0.07, "mthp-16k": 0.26}
sizes = [2 ** (20 + i // 2) * (1 + i % 2) for i in range(20)]
reps = max(1, runs // (len(variants) * len(sizes)))
cells = []
for v in variants:
    for g, size in enumerate(sizes):
        cells.append({"cell": len(cells), "variant": v, "workload": "gups", "program": "gups",
                      "group": g, "params": {"size": str(size), "updates": "1000"},
                      "effective": {"size": size, "updates": 1000}})
plan = {"name": "bench", "target": "local", "repetitions": reps, "warmup": 0,
        "variants": [{"name": v, "kernel": "running", "knobs": [], "launcher": [],
                      "optional": False, "skipped": None} for v in variants],
        "cells": cells, "order": [], "noise": {}}
sid = str(uuid.uuid4())
db.execute("INSERT INTO sweeps (id, name, file, target, status, plan_json, file_hash, cells,"
           " planned_runs, planned_warmups, machine_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
           (sid, "bench", "bench.ini", "local", "complete", json.dumps(plan), "00000000bench000",
            len(cells), len(cells) * reps, 0, machine))
others = ["vmstat.x%02d" % i for i in range(60)]
seq = 0
for rep in range(reps):
    for c in cells:
        rid = str(uuid.uuid4())
        f = scale[c["variant"]]
        size = c["effective"]["size"]
        noise = lambda: math.exp(rng.gauss(0, 0.02))
        db.execute("INSERT INTO runs (id, sweep_id, machine_id, kernel_id, variant, target, workload,"
                   " params_json, rep, warmup, status, started_ns, ended_ns, harness_version, cell, seq)"
                   " VALUES (?,?,?,?,?,?,?,?,?,0,'ok',?,?,'bench',?,?)",
                   (rid, sid, machine, kernel, c["variant"], "local", "gups",
                    json.dumps(c["effective"]), rep, seq * 10**9, seq * 10**9 + 10**8, c["cell"], seq))
        seq += 1
        rows = [("workload", "gups", 0.1 / f * noise(), "GUP/s", "rate", "higher"),
                ("workload", "time_s", 0.01 * f * noise(), "s", "gauge", "lower"),
                ("region", "fault.minor", round(size / 4096 * f), "count", "counter", "lower"),
                ("process", "fault.minor", round(size / 4096 * f) + 200, "count", "counter", "lower"),
                ("process", "fault.major", 0, "count", "counter", "lower"),
                ("process", "mem.rss_peak", size * noise(), "bytes", "gauge", "lower"),
                ("process", "mem.VmPTE_peak", size / 512 * f * noise(), "bytes", "gauge", "lower"),
                ("region", "time.wall_s", 0.02 * noise(), "s", "gauge", "lower")]
        rows += [("process", n, rng.random() * 1000, "count", "counter", "none") for n in others]
        db.executemany("INSERT INTO metrics (run_id, scope, name, value, unit, kind, better, source,"
                       " status) VALUES (?,?,?,?,?,?,?,'bench','ok')", [(rid,) + r for r in rows])
        db.execute("INSERT INTO metrics (run_id, scope, name, value, unit, kind, better, source, status,"
                   " reason) VALUES (?, 'process', 'tlb.dtlb_walk', NULL, 'count', 'counter', 'lower',"
                   " 'pmu', 'not_counted', 'the emulator opens it but counts nothing')", (rid,))
        for name, top in (("mem.Rss", size), ("mem.VmPTE", size / 512 * f)):
            cur = db.execute("INSERT INTO series (run_id, name, unit) VALUES (?,?,'bytes')", (rid, name))
            db.executemany("INSERT INTO samples (series_id, t_ns, value) VALUES (?,?,?)",
                           [(cur.lastrowid, t * 5 * 10**6, top * min(1, t / 10)) for t in range(20)])
db.commit()
print(sid)
