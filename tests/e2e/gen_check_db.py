#!/usr/bin/python3
"""Add sweeps of known values to a harness database, for the tests of
harness check and harness history (as bench/report_db.py does for reports).

The database must already hold the schema and one real run (its machine and
kernel rows are reused). SPEC is a JSON file, a list of sweeps:

  [{"name": "base", "created": "2026-01-01T00:00:00.000Z", "tag": "baseline",
    "cells": [{"variant": "v", "workload": "sim", "params": {"size": "4m"},
               "metrics": [{"name": "sim.m0", "scope": "workload", "unit": "s",
                            "kind": "gauge", "better": "lower",
                            "values": [1.0, 1.01, ...]}]}]}]

Each value of a metric is one run (run i of a cell carries value i of each
of its metrics). Prints the new sweep ids, one a line, in SPEC's order.
usage: gen_check_db.py DB SPEC"""
import json
import sqlite3
import sys
import uuid


def plan_of(sweep):
    variants, cells, groups = [], [], {}
    for c in sweep["cells"]:
        if c["variant"] not in variants:
            variants.append(c["variant"])
        key = (c["workload"], json.dumps(c.get("params", {}), sort_keys=True))
        groups.setdefault(key, len(groups))
        cells.append({"cell": len(cells), "variant": c["variant"], "workload": c["workload"],
                      "program": c["workload"], "group": groups[key],
                      "params": c.get("params", {}), "effective": c.get("params", {})})
    reps = max(len(m["values"]) for c in sweep["cells"] for m in c["metrics"])
    return {"name": sweep["name"], "target": "local", "repetitions": reps, "warmup": 0,
            "variants": [{"name": v, "kernel": "running", "knobs": [], "launcher": [],
                          "optional": False, "skipped": None} for v in variants],
            "cells": cells, "order": [], "noise": {}}, reps


def add_sweep(db, sweep, machine, kernel, seq):
    plan, reps = plan_of(sweep)
    sid = str(uuid.uuid4())
    db.execute("INSERT INTO sweeps (id, name, file, target, status, plan_json, file_hash, cells,"
               " planned_runs, planned_warmups, machine_id, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,"
               " coalesce(?, strftime('%Y-%m-%dT%H:%M:%fZ','now')))",
               (sid, sweep["name"], sweep["name"] + ".ini", "local", "complete", json.dumps(plan),
                ("%016x" % (hash(sweep["name"]) & (2**64 - 1))), len(plan["cells"]),
                len(plan["cells"]) * reps, 0, machine, sweep.get("created")))
    for rep in range(reps):
        for i, c in enumerate(sweep["cells"]):
            rid = str(uuid.uuid4())
            db.execute("INSERT INTO runs (id, sweep_id, machine_id, kernel_id, variant, target,"
                       " workload, params_json, rep, warmup, status, started_ns, ended_ns,"
                       " harness_version, cell, seq) VALUES (?,?,?,?,?,?,?,?,?,0,'ok',?,?,'gen',?,?)",
                       (rid, sid, machine, kernel, c["variant"], "local", c["workload"],
                        json.dumps(c.get("params", {})), rep, seq * 10**9, seq * 10**9 + 10**8,
                        i, seq))
            seq += 1
            db.executemany("INSERT INTO metrics (run_id, scope, name, value, unit, kind, better,"
                           " source, status) VALUES (?,?,?,?,?,?,?,'gen','ok')",
                           [(rid, m.get("scope", "workload"), m["name"], m["values"][rep],
                             m.get("unit", "s"), m.get("kind", "gauge"), m.get("better", "lower"))
                            for m in c["metrics"] if rep < len(m["values"])])
    if sweep.get("tag"):
        db.execute("INSERT INTO tags (name, sweep_id) VALUES (?, ?)", (sweep["tag"], sid))
    return sid, seq


def main():
    db = sqlite3.connect(sys.argv[1])
    db.execute("PRAGMA foreign_keys = ON")
    with open(sys.argv[2]) as f:
        spec = json.load(f)
    machine, kernel = db.execute("SELECT machine_id, kernel_id FROM runs LIMIT 1").fetchone()
    seq = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM runs").fetchone()[0]
    ids = []
    for sweep in spec:
        sid, seq = add_sweep(db, sweep, machine, kernel, seq)
        ids.append(sid)
    db.commit()
    print("\n".join(ids))


main()
