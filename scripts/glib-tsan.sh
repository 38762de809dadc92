#!/usr/bin/env bash
# Builds GLib, GObject and GIO with ThreadSanitizer, from the Debian
# source of the GLib version installed, into the directory given as $1;
# prints the LD_LIBRARY_PATH to use. ThreadSanitizer cannot see the locks
# of an uninstrumented GLib (its GMutex is a futex driven by atomics), so
# without this every hand-over between threads through a GMainContext
# looks like a race.
#
# The source comes the ordinary Debian way, with apt-get source: the
# machine's own apt sources (sources.list and sources.list.d, one-line
# and deb822) give the archive that holds GLib, a deb-src entry for it is
# written into a private apt configuration in a temporary directory, and
# apt-get update and apt-get source run against that. The system's apt
# configuration, lists and cache are left as they are.
#
# Exit status: 0 when the libraries are there, 1 when they could not be
# made, 2 when the source could not be fetched (no deb source could be
# derived, no network, or the archive no longer has that version).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest="$1"
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

# meson, ninja, a compiler, GLib's build dependencies (through
# libglib2.0-dev) and dpkg-dev for dpkg-source.
# shellcheck source=SCRIPTDIR/deps.sh
. "$here/deps.sh"
mode_install_deps >&2 || exit 1

# The installed GLib: its binary package (libglib2.0-0t64 since the
# 64-bit time_t transition, libglib2.0-0 before), its source package
# and version (which differs from the binary's after a binNMU).
binary=""
for pkg in libglib2.0-0t64 libglib2.0-0; do
  if dpkg-query -W -f '${Status}\n' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    binary=$pkg
    break
  fi
done
if [ -z "$binary" ]; then
  echo "GLib's runtime package is not installed" >&2
  exit 1
fi
read -r binary_version source_package source_version < <(
  dpkg-query -W -f '${Version} ${source:Package} ${source:Version}\n' "$binary" | head -n 1)

src="$dest/$source_package-$source_version"
build="$dest/build"
libs="$build/glib:$build/gobject:$build/gio:$build/gmodule"

# The marker holds the version built, so an upgraded GLib is rebuilt.
if [ -f "$build/gio/libgio-2.0.so.0" ] && [ -f "$build/.complete" ] &&
   [ "$(cat "$build/.complete")" = "$source_version" ]; then
  echo "$libs"
  exit 0
fi

# Writes deb-src entries for the archives that hold GLib into $1 (a
# sources.list file and a sources.list.d directory of deb822 files),
# from the system's sources list $2 and parts directory $3. An archive
# holds GLib when apt's index lists the installed version ($5) in it (as
# apt-cache madison's lines in the file $6 say), or when its suite is
# the installed release ($4) or one of that release's updates, security
# or backports suites. Disabled files (any other name than *.list or
# *.sources) and stanzas (Enabled: no) are left out, as apt does.
derive_sources () {
  /usr/bin/python3 - "$@" <<'PY'
import glob
import os
import re
import sys

out, sourcelist, sourceparts, release, version, madison = sys.argv[1:7]
RELEASE_SUFFIXES = ("", "-updates", "-security", "/updates",
                    "-proposed-updates", "-proposed", "-backports")


def norm(uri):
    return uri.rstrip("/")


held = set()
for line in open(madison, encoding="utf-8", errors="replace"):
    parts = [p.strip() for p in line.split("|")]
    if len(parts) != 3 or parts[1] != version:
        continue
    where = parts[2].split()
    if len(where) >= 2:
        # "suite/component", or "path/" for a flat archive
        suite = where[1] if where[1].endswith("/") else where[1].rsplit("/", 1)[0]
        held.add((norm(where[0]), suite))


def wanted(uri, suite):
    if (norm(uri), suite) in held:
        return True
    return bool(release) and any(suite == release + s for s in RELEASE_SUFFIXES)


def one_line_entries(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            m = re.match(r"^(deb|deb-src)\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)(.*)$", line)
            if m:
                yield (m.group(2) or "").strip(), m.group(3), m.group(4), m.group(5).split()


def deb822_stanzas(path):
    """Yields each stanza as a list of (name, lines), in file order."""
    stanza = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in list(f) + ["\n"]:
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if stanza:
                    yield stanza
                stanza = []
            elif line[0] in " \t":
                if stanza:
                    stanza[-1][1].append(line)
            elif ":" in line:
                name, value = line.split(":", 1)
                stanza.append((name.strip(), [value.strip()]))


one_line = []
deb822 = []
seen = set()
said = []
files = [sourcelist] if os.path.isfile(sourcelist) else []
files += sorted(glob.glob(os.path.join(sourceparts, "*.list")) +
                glob.glob(os.path.join(sourceparts, "*.sources")))
for path in files:
    if path.endswith(".sources"):
        for stanza in deb822_stanzas(path):
            fields = {name.lower(): lines for name, lines in stanza}

            def words(name):
                return " ".join(fields.get(name, [""])).split()

            if fields.get("enabled", ["yes"])[0].lower() == "no":
                continue
            if not {"deb", "deb-src"} & set(words("types")):
                continue
            kept = [(name, lines) for name, lines in stanza
                    if name.lower() not in ("types", "uris", "suites", "enabled",
                                            "architectures")]
            for uri in words("uris"):
                for suite in words("suites"):
                    key = (norm(uri), suite, tuple(words("components")))
                    if wanted(uri, suite) and key not in seen:
                        seen.add(key)
                        text = ["Types: deb-src", "URIs: " + uri, "Suites: " + suite]
                        for name, lines in kept:
                            text.append(name + ": " + lines[0])
                            text.extend(lines[1:])
                        deb822.append("\n".join(text) + "\n")
                        said.append(" ".join(["deb-src", uri, suite] + list(key[2])))
    else:
        for options, uri, suite, components in one_line_entries(path):
            # arch= says which Packages indexes to fetch: nothing to a deb-src
            options = " ".join(o for o in options.strip("[] ").split()
                               if not re.match(r"arch[+-]?=", o))
            key = (norm(uri), suite, tuple(components))
            if wanted(uri, suite) and key not in seen:
                seen.add(key)
                one_line.append(" ".join(["deb-src"] + (["[ " + options + " ]"] if options else [])
                                         + [uri, suite] + components))
                said.append(one_line[-1])

if not one_line and not deb822:
    print("no entry of the apt sources is an archive that holds the installed GLib",
          file=sys.stderr)
    sys.exit(1)
os.makedirs(os.path.join(out, "sources.list.d"), exist_ok=True)
with open(os.path.join(out, "sources.list"), "w") as f:
    f.write("".join(line + "\n" for line in one_line))
with open(os.path.join(out, "sources.list.d", "glib-source.sources"), "w") as f:
    f.write("\n".join(deb822))
for entry in said:
    print("source entry: " + entry)
PY
}

# Fetches the source package into $src, through a private apt
# configuration in the temporary directory $1.
fetch_source () {
  local work="$1"
  local sourcelist="" sourceparts="" release=""
  eval "$(apt-config shell sourcelist Dir::Etc::sourcelist/f sourceparts Dir::Etc::sourceparts/d)"
  release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

  apt-cache madison "$binary" > "$work/madison" 2>/dev/null || true
  derive_sources "$work/etc" "$sourcelist" "$sourceparts" "$release" \
    "$binary_version" "$work/madison" || return 1

  local apt_private=(
    -o "Dir::Etc::SourceList=$work/etc/sources.list"
    -o "Dir::Etc::SourceParts=$work/etc/sources.list.d"
    -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache"
  )
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/download"
  # apt downloads as the user _apt when run as root: let it write there.
  if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
    chown _apt "$work/download"
  fi

  # An index that fails to download (a mirror without one suite's
  # Sources, say) is not fatal while the one with GLib is there: apt-get
  # source says whether it is.
  apt-get "${apt_private[@]}" update || echo "(some source indexes could not be fetched)"
  (cd "$work/download" &&
     apt-get "${apt_private[@]}" source --download-only "$source_package=$source_version") ||
    return 1
  dpkg-source -x "$work/download/${source_package}_${source_version#*:}.dsc" "$work/unpacked" ||
    return 1
  rm -rf "$src"
  mv "$work/unpacked" "$src"
}

if [ ! -f "$src/meson.build" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/glib-tsan.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  chmod 755 "$work"
  if ! fetch_source "$work" >&2; then
    echo "could not fetch the source of $source_package $source_version" >&2
    exit 2
  fi
  rm -rf "$work"
  trap - EXIT
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
echo "$source_version" > "$build/.complete"
echo "$libs"
