#!/usr/bin/python3
"""Parses a Prometheus text exposition (stdin) with the Prometheus Python client's own parser
(Debian's python3-prometheus-client) and prints it as JSON: {family: {type, help, samples:
[{name, labels, value}]}}. Exits 1 with the reason on anything the parser rejects, and on what
it lets through but Prometheus would not accept: a family without TYPE/HELP, a repeated family,
a histogram whose buckets are not cumulative or whose +Inf bucket is not its count."""
import json
import math
import re
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
try:
    families = list(text_string_to_metric_families(text))
except Exception as e:  # the parser raises ValueError and friends on malformed lines
    print(f"prom-parse: not valid Prometheus text: {e}", file=sys.stderr)
    sys.exit(1)

declared = {}
for line in text.splitlines():
    m = re.match(r"# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$", line)
    if m:
        declared.setdefault(m.group(2), set()).add(m.group(1))

out = {}
errors = []
for f in families:
    if f.name in out:
        errors.append(f"family {f.name} appears twice")
    if declared.get(f.name) != {"HELP", "TYPE"} and not (f.type in ("counter",) and declared.get(f.name + "_total") == {"HELP", "TYPE"}):
        errors.append(f"family {f.name} lacks HELP or TYPE")
    if f.type == "unknown":
        errors.append(f"family {f.name} has no known TYPE")
    samples = [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]
    if f.type == "histogram":
        series = {}
        for s in f.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {"buckets": [], "count": None})
            if s.name.endswith("_bucket"):
                series[key]["buckets"].append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                series[key]["count"] = s.value
        for key, h in series.items():
            b = h["buckets"]
            if [x[0] for x in b] != sorted(x[0] for x in b) or not b or not math.isinf(b[-1][0]):
                errors.append(f"{f.name}{dict(key)}: buckets not in order or no +Inf bucket")
            elif any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
                errors.append(f"{f.name}{dict(key)}: buckets are not cumulative")
            elif h["count"] != b[-1][1]:
                errors.append(f"{f.name}{dict(key)}: +Inf bucket {b[-1][1]} != count {h['count']}")
    out[f.name] = {"type": f.type, "help": f.documentation, "samples": samples}

if errors:
    print("prom-parse: " + "; ".join(errors), file=sys.stderr)
    sys.exit(1)
print(json.dumps(out))
