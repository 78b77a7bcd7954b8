#!/usr/bin/env python3
"""The figures of docs/precision.md, from the recorded review.

Reads docs/precision-review-3.tsv (one reviewed finding a line: number,
rule, location, verdict, evidence) and prints the markdown tables: the
overall rates, and each rule's counts and false-positive rate, worst first.

    python3 bench/precision-figures.py docs/precision-review-3.tsv

The overall rate is weighted by each rule's volume in the corpus report the
sample was drawn from (`--report`, optional): the sample over-represents
rare rules (at least 3 findings each), so the unweighted rate would count
them as often as the rules that make most findings.
"""

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict

VERDICTS = ("TRUE", "FALSE", "DEBATABLE")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("review")
    parser.add_argument("--report", help="the corpus report the sample was drawn from, for weighting by volume")
    args = parser.parse_args()
    by_rule = defaultdict(Counter)
    with open(args.review, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            by_rule[row["rule"]][row["verdict"]] += 1
    volume = Counter()
    if args.report:
        with open(args.report, encoding="utf-8") as handle:
            volume.update(f["rule"] for f in json.load(handle)["findings"] if not f.get("suppressed"))

    total = Counter()
    for counts in by_rule.values():
        total.update(counts)
    reviewed = sum(total.values())
    print(f"| sample | reviewed | true | false | debatable | false positives | debatable |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| unweighted | {reviewed} | {total['TRUE']} | {total['FALSE']} | {total['DEBATABLE']} "
        f"| {100 * total['FALSE'] / reviewed:.1f}% | {100 * total['DEBATABLE'] / reviewed:.1f}% |"
    )
    if volume:
        weight = {rule: volume[rule] / sum(counts.values()) for rule, counts in by_rule.items() if volume[rule]}
        weighted = Counter()
        for rule, counts in by_rule.items():
            for verdict in VERDICTS:
                weighted[verdict] += counts[verdict] * weight.get(rule, 0)
        mass = sum(weighted.values())
        print(
            f"| weighted by rule volume ({sum(volume.values())} findings) | {reviewed} | | | "
            f"| {100 * weighted['FALSE'] / mass:.1f}% | {100 * weighted['DEBATABLE'] / mass:.1f}% |"
        )
    print()
    print("| rule | reviewed | true | false | debatable | false positives |")
    print("|---|---|---|---|---|---|")
    rows = sorted(by_rule.items(), key=lambda item: (-item[1]["FALSE"] / sum(item[1].values()), item[0]))
    for rule, counts in rows:
        n = sum(counts.values())
        print(
            f"| `{rule}` | {n} | {counts['TRUE']} | {counts['FALSE']} | {counts['DEBATABLE']} "
            f"| {100 * counts['FALSE'] / n:.0f}% |"
        )


if __name__ == "__main__":
    sys.exit(main())
