#!/usr/bin/env bash
# Many-core measurement (issue 4, item 4): CP-SAT workers 2 / 8 / 16 on tiers m and l.
#
#   bash benchmarks/many_cores.sh OUT_DIR [PYTHON]
#
# Instances: m-normal-1, m-overload-1, m-evening-1 (30 s each) and l-normal-1 (60 s), seed 0.
# The 2-worker runs go four at a time (8 threads on a 16-core machine); the 8- and 16-worker
# runs go one at a time. Writes OUT_DIR/many_cores.csv (one row per instance and worker count,
# run.py's columns plus `workers`) and OUT_DIR/many_cores.log (every run's table).
set -euo pipefail
out=${1:?usage: many_cores.sh OUT_DIR [PYTHON]}
py=${2:-python3}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mkdir -p "$out"
log="$out/many_cores.log"
{
  echo "== machine"; nproc; lscpu 2>/dev/null | grep -E 'Model name|Thread|Core|Socket|MHz' || true
  free -g 2>/dev/null | head -2 || true
  "$py" -c 'import ortools, pydantic, pandas, sys; print(sys.version.split()[0], "ortools", ortools.__version__, "pydantic", pydantic.__version__, "pandas", pandas.__version__)'
} >"$log" 2>&1

declare -A limit=([m-normal-1]=30 [m-overload-1]=30 [m-evening-1]=30 [l-normal-1]=60)
for name in "${!limit[@]}"; do
  IFS=- read -r tier scenario seed <<<"$name"
  mkdir -p "$work/inst/$name"
  "$py" "$here/benchmarks/generate.py" --tier "$tier" --scenario "$scenario" --seed "$seed" \
    --out "$work/inst/$name/$name.json"
done

one() {  # one WORKERS NAME
  "$py" "$here/benchmarks/run.py" --suite "$work/inst/$2" --time-limit "${limit[$2]}" \
    --workers "$1" --seed 0 --out "$work/res/w$1-$2" >>"$work/log.w$1-$2" 2>&1
}

echo "== workers 2 (four at a time)" >>"$log"
for name in "${!limit[@]}"; do one 2 "$name" & done
wait
for workers in 8 16; do
  echo "== workers $workers (one at a time)" >>"$log"
  for name in m-normal-1 m-overload-1 m-evening-1 l-normal-1; do one "$workers" "$name"; done
done
cat "$work"/log.w* >>"$log"

"$py" - "$work/res" "$out/many_cores.csv" <<'EOF'
import csv, sys
from pathlib import Path
rows = []
for folder in sorted(Path(sys.argv[1]).iterdir()):
    workers = folder.name.split("-", 1)[0][1:]
    with open(folder / "results.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows.append({"workers": workers, **row})
rows.sort(key=lambda r: (r["name"], int(r["workers"])))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
cols = ["name", "workers", "status", "objective", "bound", "gap_pct", "first_s", "final_s", "proof_s", "peak_mib", "check"]
print(" | ".join(cols))
for r in rows:
    print(" | ".join(str(r.get(c, "")) for c in cols))
EOF
