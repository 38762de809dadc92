#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Every source file of the library that marks strings for translation
is listed in po/POTFILES, and every file listed there exists. Prints
TAP."""

import os
import re
import sys

top = sys.argv[1]
listed = [line.strip() for line in open(os.path.join(top, "po", "POTFILES")) if line.strip()]
marking = sorted(
    os.path.join("mode-glib", name)
    for name in os.listdir(os.path.join(top, "mode-glib"))
    if name.endswith(".c") and re.search(r'\b_\("', open(os.path.join(top, "mode-glib", name)).read())
)

print("1..2")
missing = [f for f in marking if f not in listed]
print(("ok" if not missing else "not ok") + " 1 - files that mark strings are in po/POTFILES"
      + ("" if not missing else ": missing " + ", ".join(missing)))
gone = [f for f in listed if not os.path.exists(os.path.join(top, f))]
print(("ok" if not gone else "not ok") + " 2 - files in po/POTFILES exist"
      + ("" if not gone else ": " + ", ".join(gone)))
