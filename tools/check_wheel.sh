#!/usr/bin/env bash
# Build the wheel, install it in a fresh virtual environment, and run the test suite
# from a copy of the project that has no src/ folder: what users install must pass.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$root/.venv/bin/python" -m pip wheel --no-deps -q -w "$work/dist" "$root"
wheel="$(ls "$work"/dist/gdprcrm-*.whl)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "${wheel}[testing,postgres]" jsonschema
mkdir "$work/project"
cp -r "$root/tests" "$root/docs" "$root/tools" "$root/benchmarks" "$root/README.md" \
    "$root/pyproject.toml" "$work/project/"
cd "$work/project"
test ! -e src
"$work/venv/bin/python" -c "import gdprcrm, sys; assert 'site-packages' in gdprcrm.__file__, gdprcrm.__file__"
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider
