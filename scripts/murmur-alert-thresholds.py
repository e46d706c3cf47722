#!/usr/bin/env python3
"""What the suspected-murmur alert catches at several raise limits, from out-of-fold CirCor scores.

Usage: scripts/murmur-alert-thresholds.py SCORES.tsv [MANIFEST.json]
  SCORES.tsv     written by `heartstream-train murmur --scores SCORES.tsv` (one row per recording, out of fold)
  MANIFEST.json  the shipped model's manifest (default models/classifier-murmur/2.0.0/manifest.json): its "murmur" rule
A recording that cannot tell (shorter than minHeardSeconds, or confidence below minConfidence) is left out, as the
service leaves it out; a patient alerts when any of its locations gives P(murmur) above the limit, P at the
population's prevalence exactly as MurmurRule.Probability computes it.
"""
import csv, collections, json, math, sys

scores = sys.argv[1]
manifest = sys.argv[2] if len(sys.argv) > 2 else "models/classifier-murmur/2.0.0/manifest.json"
rule = json.load(open(manifest))["murmur"]

def probability(s):
    s = min(max(s, 1e-4), 1 - 1e-4)
    logit = (rule["calibrationSlope"] * math.log(s / (1 - s)) + rule["calibrationIntercept"]
             + math.log(rule["populationPrevalence"] / (1 - rule["populationPrevalence"]))
             - math.log(rule["trainingPrevalence"] / (1 - rule["trainingPrevalence"])))
    return 1 / (1 + math.exp(-logit))

patients = collections.defaultdict(list)
truth = {}
for r in csv.DictReader(open(scores), delimiter="\t"):
    truth.setdefault(r["patient"], r["truth"])
    if int(r["frames"]) / 50 >= rule["minHeardSeconds"] and float(r["confidence"]) >= rule["minConfidence"]:
        patients[r["patient"]].append((probability(float(r["score"])), r["heard"] == "True"))

present = [p for p, t in truth.items() if t == "Present"]
absent = [p for p, t in truth.items() if t == "Absent"]
heard = [x for p in present for x in patients[p] if x[1]]
print("raise limit | Present patients alerted | Absent patients alerted | heard-location recordings of Present patients")
for limit in (0.5, 0.6, 0.7, 0.8):
    hit = lambda ps: sum(1 for p in ps if any(x[0] > limit for x in patients[p]))
    print(f"{limit:.1f} | {hit(present)} of {len(present)} ({hit(present) / len(present):.0%}) | "
          f"{hit(absent)} of {len(absent)} ({hit(absent) / len(absent):.1%}) | {sum(1 for x in heard if x[0] > limit)} of {len(heard)}")
