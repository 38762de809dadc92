#!/usr/bin/env bash
# The test command: installs what it needs, builds mode-glib with
# warnings as errors, runs every suite (C, Python, GJS, Vala, docs), the
# C tests under valgrind and under ASan/UBSan, and ends with one line
# "N passed, N failed" over every test case of every run (and the
# configure and build steps). The C tests also run under
# ThreadSanitizer, against a GLib built with it.
set -uo pipefail

cd "$(dirname "$0")/.."
top=$(pwd)
. scripts/deps.sh
mode_install_deps || exit 1

passed=0
failed=0
skipped=0

# Adds the results of a meson test run, from its JSON log: each test
# case counts, as TAP lines (C, GJS, Vala) or pytest's summary say; a
# program that crashed or timed out without saying counts as one failure.
count_results () {
  local log="$1/meson-logs/testlog$2.json"
  if [ ! -f "$log" ]; then
    echo "no test log in $1 ($2): counting the run as one failure"
    failed=$((failed + 1))
    return
  fi
  read -r p f s < <(/usr/bin/python3 - "$log" <<'PY'
import json, re, sys
p = f = s = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    test = json.loads(line)
    out = test.get("stdout") or ""
    ok = test.get("result") in ("OK", "EXPECTEDFAIL")
    tap = re.findall(r"^(ok|not ok) \d+[^\n]*", out, re.M)
    summary = re.search(r"^=+ (.*) in [0-9.]+s", out, re.M)
    if tap:
        case_failures = 0
        for line_ in re.finditer(r"^(ok|not ok) \d+([^\n]*)", out, re.M):
            if line_.group(1) == "not ok":
                case_failures += 1
            elif "# SKIP" in line_.group(2):
                s += 1
            else:
                p += 1
        f += case_failures
        if not ok and case_failures == 0:
            f += 1
    elif summary:
        counts = dict((k, int(n)) for n, k in re.findall(r"(\d+) (passed|failed|skipped|errors?)", summary.group(1)))
        p += counts.get("passed", 0)
        s += counts.get("skipped", 0)
        bad = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
        f += bad
        if not ok and bad == 0:
            f += 1
    elif test.get("result") == "SKIP":
        s += 1
    elif ok:
        p += 1
    else:
        f += 1
print(p, f, s)
PY
)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

# A step that is not a test run counts as one test.
step () {
  local name="$1"; shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
    return 0
  fi
  echo "FAILED: $name"
  failed=$((failed + 1))
  return 1
}

build="$top/_build"
rm -rf "$build"
if step "configure" meson setup "$build" -Dwerror=true -Dintrospection=enabled \
     -Dvapi=enabled -Dgtk_doc=enabled -Dtests=true -Dexamples=true &&
   step "build" ninja -C "$build"; then
  echo "=== tests"
  meson test -C "$build" --print-errorlogs --num-processes 2
  count_results "$build" ""

  echo "=== C tests under valgrind"
  meson test -C "$build" --setup valgrind --suite c --print-errorlogs --num-processes 2
  count_results "$build" "-valgrind"
fi

asan="$top/_build-asan"
rm -rf "$asan"
if step "configure (ASan/UBSan)" meson setup "$asan" -Dwerror=true \
     -Db_sanitize=address,undefined -Db_lundef=false -Dintrospection=disabled \
     -Dvapi=disabled -Dgtk_doc=disabled -Dexamples=false &&
   step "build (ASan/UBSan)" ninja -C "$asan"; then
  echo "=== C tests under ASan/UBSan"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$asan" --suite c --print-errorlogs --num-processes 2
  count_results "$asan" ""
fi

# ThreadSanitizer needs a GLib built with it too: scripts/glib-tsan.sh
# makes one from the Debian source of the installed version (kept in
# _build-glib-tsan between local runs).
echo "=== ThreadSanitizer: GLib"
tsan_libs=$(scripts/glib-tsan.sh "$top/_build-glib-tsan")
tsan_status=$?
tsan="$top/_build-tsan"
if [ "$tsan_status" -eq 2 ]; then
  echo "skipped: the GLib source could not be fetched, so no ThreadSanitizer run"
  skipped=$((skipped + 1))
elif [ "$tsan_status" -ne 0 ]; then
  echo "FAILED: building GLib with ThreadSanitizer"
  failed=$((failed + 1))
else
  rm -rf "$tsan"
  if step "configure (TSan)" meson setup "$tsan" -Dwerror=true \
       -Db_sanitize=thread -Db_lundef=false -Dintrospection=disabled \
       -Dvapi=disabled -Dgtk_doc=disabled -Dexamples=false &&
     step "build (TSan)" ninja -C "$tsan"; then
    echo "=== C tests under ThreadSanitizer"
    LD_LIBRARY_PATH="$tsan_libs" G_SLICE=always-malloc \
      TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:suppressions=$top/tests/tsan.supp" \
      meson test -C "$tsan" --suite c --print-errorlogs --num-processes 2
    count_results "$tsan" ""
  fi
fi

echo
if [ "$skipped" -gt 0 ]; then
  echo "($skipped skipped: see above)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
