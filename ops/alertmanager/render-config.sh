#!/bin/sh
# Usage: render-config.sh SOURCE TARGET
# Writes SOURCE to TARGET with every ${NAME} replaced by the environment variable NAME, because
# Alertmanager does not expand the environment in its configuration. An unset or empty variable fails the
# rendering, naming it. Placeholders sit in single-quoted YAML strings, so a ' in a value is written ''.
# POSIX sh and awk: it runs in the Alertmanager image (busybox) as on a developer's machine.
set -eu
if [ "$#" -ne 2 ]; then
  echo "usage: $0 SOURCE TARGET" >&2
  exit 2
fi
if ! awk -v quote="'" '
  {
    line = $0
    out = ""
    while (match(line, /\$\{[A-Za-z_][A-Za-z0-9_]*\}/)) {
      name = substr(line, RSTART + 2, RLENGTH - 3)
      if (ENVIRON[name] == "") {
        print "render-config.sh: the environment variable " name " is not set" > "/dev/stderr"
        exit 1
      }
      value = ENVIRON[name]
      gsub(quote, quote quote, value)
      out = out substr(line, 1, RSTART - 1) value
      line = substr(line, RSTART + RLENGTH)
    }
    print out line
  }' "$1" > "$2"; then
  rm -f "$2"
  exit 1
fi
