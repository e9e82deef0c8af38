#!/usr/bin/env bash
# Prints the tail of every e2e log (called on failure by up.sh and make e2e). LINES=n for more.
. "$(dirname "$0")/lib.sh"
for f in "$LOGS"/*.log; do
  [ -f "$f" ] || continue
  echo "===== $f (last ${LINES:-40} lines)"
  tail -n "${LINES:-40}" "$f"
done
