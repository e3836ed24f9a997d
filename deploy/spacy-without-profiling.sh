#!/usr/bin/env bash
# Replace the installed spaCy with the same release built from its source without Cython's
# profiling hooks.
#
# spaCy's own build turns Cython's `profile` directive on for Python before 3.12, so its wheels
# for Python 3.11 carry the hooks. In functions that run without the GIL (the name model's
# transition loop and the state helpers it calls for every token and action) each hook takes
# and releases the GIL to ask whether a profiler is set: about half of the name model's CPU, and
# the name model is most of redaction's. Built without them, spaCy finds exactly the same.
#
# Needs a C++ compiler and a few minutes. Usage: deploy/spacy-without-profiling.sh PYTHON
set -euo pipefail

python=$1
version=$("$python" -c 'import importlib.metadata as m; print(m.version("spacy"))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m pip download --quiet --no-deps --no-binary spacy "spacy==$version" -d "$work"
tar -xzf "$work/spacy-$version.tar.gz" -C "$work"
setup="$work/spacy-$version/setup.py"
grep -q '"profile": sys.version_info < (3, 12),' "$setup" || {
  echo "spacy $version: its setup.py no longer sets the profile directive as expected" >&2
  exit 1
}
sed -i 's/"profile": sys.version_info < (3, 12),/"profile": False,/' "$setup"
SPACY_NUM_BUILD_JOBS=$(nproc) "$python" -m pip wheel --quiet --no-deps -w "$work/wheel" "$work/spacy-$version"
"$python" -m pip install --quiet --no-deps --force-reinstall "$work/wheel"/spacy-*.whl
