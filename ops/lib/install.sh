# shellcheck shell=bash
# Installing missing tools. Sourced by ops/run, ops/test and the benchmarks.

require_command() {
  local command=$1 what=$2
  if ! command -v "$command" >/dev/null 2>&1; then
    echo "$command was not found: install $what" >&2
    exit 1
  fi
}

apt_updated=false

# install_command COMMAND DEBIAN_PACKAGE: installs the package with apt-get (as root, or through sudo when
# it needs no password) when COMMAND is missing; returns 1, saying why, when it cannot.
install_command() {
  local command=$1 package=$2 sudo=
  if command -v "$command" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=sudo
    else
      echo "$command is missing. Install the Debian package '$package' (sudo apt-get install $package) and run again." >&2
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$command is missing and apt-get is not available: install '$package' with your package manager." >&2
    return 1
  fi
  echo "--- installing $package (for $command)" >&2
  if [ "$apt_updated" = false ]; then
    $sudo apt-get update -qq || return 1
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null || return 1
  command -v "$command" >/dev/null 2>&1 || { echo "installing $package did not provide $command" >&2; return 1; }
}

# ensure_command COMMAND DEBIAN_PACKAGE: install_command, stopping the script when the command cannot be had.
ensure_command() {
  install_command "$1" "$2" || exit 1
}
