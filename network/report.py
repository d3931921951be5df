"""What a cluster run reports: a summary object and a Chrome trace (Perfetto).

The trace uses the Trace Event Format: one process per node ("node N", one track group
each) with a compute thread (tid 0) and a communication thread (tid 1); every task on a
node is an "X" complete event with ts/dur in microseconds.
"""
from __future__ import annotations

import json
from pathlib import Path

from .cluster import ClusterResult

__all__ = ["summary", "write_chrome_trace"]


def summary(result: ClusterResult, seconds: float) -> dict:
    b = result.breakdown()
    _, nodes, _, _, _ = result.node_events()
    colls = result.collectives()
    return {
        "job": result.job.name, "description": result.job.description,
        "model": result.model, "engine": result.engine,
        "step_time_s": result.step_time,
        "step_time_ci_s": list(result.step_time_ci) if result.step_time_ci else None,
        "compute_s": b["compute_s"], "comm_s": b["comm_s"],
        "exposed_comm_s": b["exposed_comm_s"], "critical_node": b["critical_node"],
        "nodes": int(len(set(nodes.tolist()))), "tasks": len(result.job.tasks),
        "events": int(len(nodes)), "messages": result.messages,
        "exact": result.exact, "notes": result.notes,
        "parts": result.parts(),
        "collectives": colls if len(colls) <= 1000 else colls[:1000],
        "seconds": seconds,
    }


def write_chrome_trace(result: ClusterResult, path: str | Path) -> int:
    """Write the per-node timeline; returns the number of events written."""
    tids, nodes, starts, ends, comm = result.node_events()
    tasks = result.job.tasks
    events = []
    for node in sorted(set(nodes.tolist())):
        events.append({"ph": "M", "name": "process_name", "pid": node, "tid": 0,
                       "args": {"name": f"node {node}"}})
        events.append({"ph": "M", "name": "process_sort_index", "pid": node, "tid": 0,
                       "args": {"sort_index": node}})
        for tid, label in ((0, "compute"), (1, "comm")):
            events.append({"ph": "M", "name": "thread_name", "pid": node, "tid": tid,
                           "args": {"name": label}})
    for t, node, s, e, c in zip(tids.tolist(), nodes.tolist(), starts.tolist(), ends.tolist(),
                                comm.tolist()):
        task = tasks[t]
        args = {"task": t}
        if task.comm:
            args["bytes"] = task.nbytes
            if task.algorithm:
                args["algorithm"] = task.algorithm
        events.append({"name": task.name, "cat": task.kind, "ph": "X", "pid": node,
                       "tid": int(c), "ts": s * 1e6, "dur": (e - s) * 1e6, "args": args})
    Path(path).write_text(json.dumps({"traceEvents": events, "displayTimeUnit": "ns",
                                      "otherData": {"job": result.job.description,
                                                    "model": result.model}}))
    return len(events)
