# Installs the Debian packages mode-glib needs. Sourced by scripts/test.sh,
# scripts/demo.sh and scripts/glib-tsan.sh.

mode_packages=(
  meson ninja-build pkg-config gcc
  libglib2.0-dev libglib2.0-bin
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0
  gtk-doc-tools docbook-xml docbook-xsl xsltproc
  valac gjs python3-gi python3-pytest python3-gbulb
  gettext valgrind ca-certificates dpkg-dev
  libgraphviz-dev libsystemd-dev
  tzdata
)

mode_install_deps () {
  local missing=()
  local pkg
  for pkg in "${mode_packages[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  echo "Installing: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "These Debian packages are missing and this is not root: ${missing[*]}" >&2
      return 1
    fi
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
