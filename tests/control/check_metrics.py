#!/usr/bin/python3
"""Checks a /metrics scrape against DESIGN.md §6 with Prometheus' own parser.

Usage:
  check_metrics.py FILE          a saved scrape
  check_metrics.py -             the scrape on stdin (e.g. curl ... | check_metrics.py -)
  check_metrics.py --run CMD...  the standard output of CMD

Every metric name of DESIGN §6 must be present with its type (HELP and TYPE
lines; a family may have no samples yet), unlabelled counters and gauges must
carry a sample, label names must be the pinned ones, and the whole text must
parse (prometheus_client.parser.text_string_to_metric_families, from Debian's
python3-prometheus-client). Exit status 0 when all holds, 1 otherwise.
"""
import subprocess
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # pragma: no cover
    sys.exit("check_metrics.py: prometheus_client is missing: apt-get install python3-prometheus-client")

# name -> (type, label names of its samples; None = unlabelled)
EXPECTED = {
    "wshost_connections": ("gauge", ()),
    "wshost_connections_opened_total": ("counter", ()),
    "wshost_connections_closed_total": ("counter", ("code",)),
    "wshost_auth_total": ("counter", ("result",)),
    "wshost_messages_received_total": ("counter", ()),
    "wshost_messages_sent_total": ("counter", ()),
    "wshost_bytes_received_total": ("counter", ()),
    "wshost_bytes_sent_total": ("counter", ()),
    "wshost_actions_total": ("counter", ("action", "status")),
    "wshost_action_duration_seconds": ("histogram", ("action",)),
    "wshost_deliveries_total": ("counter", ()),
    "wshost_dropped_total": ("counter", ("reason",)),
    "wshost_queue_bytes": ("gauge", ()),
    "wshost_control_requests_total": ("counter", ("endpoint", "status")),
    "wshost_reloads_total": ("counter", ("result",)),
    "wshost_reload_generation": ("gauge", ()),
    "wshost_build_info": ("gauge", ("version",)),
}


def family_key(name, kind):
    # The parser names a counter family without its _total suffix.
    if kind == "counter" and name.endswith("_total"):
        return name[: -len("_total")]
    return name


def check(text):
    errors = []
    try:
        families = {f.name: f for f in text_string_to_metric_families(text)}
    except Exception as exc:  # the parser raises ValueError and friends
        return ["the scrape does not parse: %r" % (exc,)]
    for name, (kind, labels) in EXPECTED.items():
        family = families.get(family_key(name, kind))
        if family is None:
            errors.append("missing metric %s" % name)
            continue
        if family.type != kind:
            errors.append("%s has type %s, expected %s" % (name, family.type, kind))
        if not labels and not family.samples:
            errors.append("%s has no sample" % name)
        for sample in family.samples:
            got = set(sample.labels) - {"le"}
            if got != set(labels):
                errors.append("%s sample %s has labels %s, expected %s"
                              % (name, sample.name, sorted(got), sorted(labels)))
                break
    return errors


def main(argv):
    if len(argv) >= 2 and argv[1] == "--run":
        text = subprocess.run(argv[2:], check=True, stdout=subprocess.PIPE).stdout.decode("utf-8")
    elif len(argv) == 2 and argv[1] == "-":
        text = sys.stdin.read()
    elif len(argv) == 2:
        with open(argv[1], encoding="utf-8") as f:
            text = f.read()
    else:
        sys.stderr.write(__doc__)
        return 2
    errors = check(text)
    for e in errors:
        print("check_metrics: " + e)
    if not errors:
        print("check_metrics: all %d metric names of DESIGN §6 present" % len(EXPECTED))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
