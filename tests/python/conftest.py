# SPDX-License-Identifier: BSD-3-Clause
# The tests run against the build tree: GI_TYPELIB_PATH, LD_LIBRARY_PATH
# and PYTHONPATH (for the gi overrides) are set by meson.
