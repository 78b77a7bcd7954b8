#!/usr/bin/env python3
"""Picks the precision review sample of docs/precision.md, reproducibly.

Reads a `tenken check --format json` report of the real-world corpus and
picks, with a fixed seed, at least 3 findings of every rule that fires (all
of them when it fires fewer times), then fills the sample up to its size
with findings drawn at random from the rest, so that rules weigh by their
volume. For each pick it prints a review entry: the finding, and the lines
around it in the file.

    target/release/tenken check ../shared/corpus --no-config --format json \
        --exit-zero > /tmp/corpus.json
    (cd ../shared/corpus && python3 ../../main/bench/precision-sample.py /tmp/corpus.json) > sample.txt

Paths in the report are relative to where tenken ran; run this script from
the same directory so it can show the source lines. The same report, seed
and size give the same sample.
"""

import argparse
import json
import random
import sys
from collections import defaultdict

SEED = 20261130
SIZE = 300
PER_RULE = 3
CONTEXT = 3


def pick(findings, size, per_rule, seed):
    rng = random.Random(seed)
    by_rule = defaultdict(list)
    for index, finding in enumerate(findings):
        by_rule[finding["rule"]].append(index)
    chosen = []
    for rule in sorted(by_rule):
        indices = by_rule[rule]
        chosen.extend(rng.sample(indices, min(per_rule, len(indices))))
    rest = sorted(set(range(len(findings))) - set(chosen))
    chosen.extend(rng.sample(rest, max(0, min(size - len(chosen), len(rest)))))
    return sorted(chosen, key=lambda index: (findings[index]["rule"], findings[index]["path"], findings[index]["line"]))


def excerpt(path, line):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        return f"    (cannot read: {error})"
    first = max(1, line - CONTEXT)
    last = min(len(lines), line + CONTEXT)
    return "\n".join(f"{'>' if number == line else ' '} {number:5} | {lines[number - 1][:160]}" for number in range(first, last + 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", help="tenken's JSON report of the corpus")
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    with open(args.report, encoding="utf-8") as handle:
        findings = [f for f in json.load(handle)["findings"] if not f.get("suppressed")]
    sample = pick(findings, args.size, PER_RULE, args.seed)
    rules = {findings[index]["rule"] for index in sample}
    print(f"# {len(sample)} of {len(findings)} findings, {len(rules)} rules, seed {args.seed}\n")
    for number, index in enumerate(sample, 1):
        finding = findings[index]
        print(f"## {number}. {finding['rule']} at {finding['path']}:{finding['line']}:{finding['column']}")
        print(f"message: {finding['message']}")
        print(excerpt(finding["path"], finding["line"]))
        print()


if __name__ == "__main__":
    sys.exit(main())
