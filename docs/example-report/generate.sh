#!/bin/sh
# Regenerates this example report from the synthetic demo portfolio, with a
# copy of the proof log it was computed at, so that anyone can verify it:
#
#   go run ./cmd/vigil report verify docs/example-report \
#       --log docs/example-report/log --key docs/example-report/log-key.pub \
#       --events docs/example-report/auditor-events-2026.jsonl
#
# Run from the repository root: sh docs/example-report/generate.sh
set -eu
out=docs/example-report
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/vigil" ./cmd/vigil
v() { "$work/vigil" --data-dir "$work/data" --log-level warn "$@"; }
export VIGIL_LOG_PASSPHRASE=example-report-passphrase
# The whole demo: portfolio, usage and signals, screening, assessments, cases,
# one suspension from alert to verification, grievances and a promise.
v demo --no-serve --parties 2000 --seed 1 >/dev/null
v log flush >/dev/null
find "$out" -mindepth 1 ! -name generate.sh ! -name README.md -exec rm -rf {} +
v report --period 2026 --lang en,fr --format html,pdf,md --template ungp,csddd --out "$out"
cp -r "$work/data/log" "$out/log"
# The dot-directories hold tessera's and the relay's state, not the log.
find "$out/log" -mindepth 1 -maxdepth 1 -name '.*' -exec rm -rf {} +
v log key > "$out/log-key.pub"
# What a provider hands an auditor (synthetic data here, so published).
v report events --period 2026 --out "$out/auditor-events-2026.jsonl" >/dev/null
v report verify "$out" --log "$out/log" --key "$out/log-key.pub" --events "$out/auditor-events-2026.jsonl"
