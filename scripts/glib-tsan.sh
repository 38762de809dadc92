#!/usr/bin/env bash
# Builds GLib, GObject and GIO with ThreadSanitizer, from the Debian
# source of the GLib version installed, into the directory given as $1;
# prints the LD_LIBRARY_PATH to use. ThreadSanitizer cannot see the locks
# of an uninstrumented GLib (its GMutex is a futex driven by atomics), so
# without this every hand-over between threads through a GMainContext
# looks like a race.
#
# Exit status: 0 when the libraries are there, 1 when they could not be
# made, 2 when the source could not be fetched (no network).
set -euo pipefail

dest="$1"
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

version=$(dpkg-query -W -f '${Version}' libglib2.0-0 | sed -e 's/^[0-9]*://' -e 's/-[^-]*$//')
src="$dest/glib-$version"
build="$dest/build"
libs="$build/glib:$build/gobject:$build/gio:$build/gmodule"

if [ -f "$build/gio/libgio-2.0.so.0" ] && [ -f "$build/.complete" ]; then
  echo "$libs"
  exit 0
fi

if [ ! -d "$src" ]; then
  url="https://deb.debian.org/debian/pool/main/g/glib2.0/glib2.0_${version}.orig.tar.xz"
  if ! /usr/bin/python3 - "$url" "$dest" <<'PY' >&2
import sys, tarfile, urllib.request, io
url, dest = sys.argv[1], sys.argv[2]
try:
    data = urllib.request.urlopen(url, timeout=120).read()
except Exception as e:
    print(f"could not fetch {url}: {e}")
    sys.exit(1)
with tarfile.open(fileobj=io.BytesIO(data), mode="r:xz") as tar:
    tar.extractall(dest)
PY
  then
    exit 2
  fi
fi

rm -rf "$build"
meson setup "$build" "$src" \
  -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debugoptimized \
  -Dtests=false -Dinstalled_tests=false -Dnls=disabled -Dman=false \
  -Dgtk_doc=false -Dlibmount=disabled -Dselinux=disabled -Dxattr=false \
  -Dlibelf=disabled -Dsysprof=disabled -Ddtrace=false -Dsystemtap=false \
  -Dglib_debug=disabled >&2 || exit 1

# only the libraries, not the tools
targets=$(ninja -C "$build" -t targets all |
          sed -n -E 's/^((glib|gobject|gio|gmodule)\/lib(glib|gobject|gio|gmodule)-2\.0\.so\.[0-9.]+): .*/\1/p')
[ -n "$targets" ] || exit 1
# shellcheck disable=SC2086
ninja -C "$build" $targets >&2 || exit 1
[ -e "$build/gio/libgio-2.0.so.0" ] || exit 1
touch "$build/.complete"
echo "$libs"
