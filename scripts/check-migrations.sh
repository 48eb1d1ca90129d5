#!/usr/bin/env bash
# Fails when a Drizzle schema and its checked-in migrations disagree: generating again must produce nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(git status --porcelain -- drizzle/ 2>/dev/null || true)
for dialect in postgresql sqlite; do
  out=$(DRIZZLE_DIALECT=$dialect bunx drizzle-kit generate 2>&1) || { echo "$out"; exit 1; }
  if ! grep -q "No schema changes" <<<"$out"; then
    echo "schema drift ($dialect): the schema has changes that no migration in drizzle/ covers:"
    echo "$out" | tail -5
    git status --porcelain -- drizzle/
    exit 1
  fi
done
after=$(git status --porcelain -- drizzle/ 2>/dev/null || true)
[ "$before" = "$after" ] || { echo "drizzle-kit changed drizzle/ files"; exit 1; }
echo "migrations match the schemas (postgres, sqlite)"
