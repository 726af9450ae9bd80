# shellcheck shell=bash
# Building only what changed since the last build. Sourced by ops/run and ops/test.

# sources_hash PATHSPEC...: a hash of the .NET SDK's version and of the name and content of every file git sees
# under the pathspecs (tracked, or new and not ignored; edits not yet committed count), printed; nothing outside
# a git work tree, where no build counts as current.
sources_hash() {
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 || return 0
  {
    dotnet --version
    # A tracked file deleted from the work tree is left out (its absence changes the list).
    git ls-files -z --cached --others --exclude-standard -- "$@" | sort -zu |
      while IFS= read -r -d '' file; do
        if [ -f "$file" ]; then
          printf '%s\0' "$file"
        fi
      done | xargs -0 -r sha256sum
  } | sha256sum | cut -d' ' -f1
}

# build_unless_current DIR SOURCES COMMAND...: runs COMMAND, which builds into DIR, unless DIR holds what the same
# COMMAND built from the same SOURCES (a sources_hash: empty always builds). DIR/.sources records them after a
# build that succeeded. One build at a time per DIR (flock on DIR.lock), so runs that share DIR (the tests'
# BUILD_DIR) build it once and the others wait for it.
build_unless_current() {
  local dir=$1 sources=$2 lock
  shift 2
  mkdir -p "$dir"
  exec {lock}>"$dir.lock"
  flock "$lock"
  local command="$*"
  local stamp="$sources ${command//"$dir"/DIR}"
  local status=0
  if [ -n "$sources" ] && [ -f "$dir/.sources" ] && [ "$(cat "$dir/.sources")" = "$stamp" ]; then
    echo "$dir: built from these sources already" >&2
  else
    rm -f "$dir/.sources"
    # Checked here: a caller's `||` turns off errexit inside the function. Without the lock's descriptor: a build
    # server the command leaves running would otherwise hold the lock after this build.
    "$@" {lock}>&- || status=$?
    if [ "$status" = 0 ] && [ -n "$sources" ]; then
      printf '%s\n' "$stamp" >"$dir/.sources"
    fi
  fi
  exec {lock}>&-
  return "$status"
}

# publish_service BUILD_DIR: the service published in Release as the image is (ReadyToRun code: a start takes
# about half a second, README "Start-up and memory") into BUILD_DIR/service, again only when its sources changed.
# PUBLISH_READY_TO_RUN=false publishes plain IL instead: ReadyToRun implies a runtime identifier, so its publish
# compiles everything again into obj/Release/net10.0/linux-x64, where the plain one reuses a `dotnet build -c
# Release` (./ops/test sets it for the run script tests, which need no fast start).
publish_service() {
  build_unless_current "$1/service" "$(sources_hash . ':(exclude)Tests' ':(exclude)ops' ':(exclude)docs' ':(exclude)*.md')" \
    dotnet publish MinimalBackend.csproj -c Release -p:PublishReadyToRun="${PUBLISH_READY_TO_RUN:-true}" -o "$1/service" \
    --nologo -v quiet -clp:ErrorsOnly
}

# build_demo_traffic BUILD_DIR: ops/demo/DemoTraffic built in Release into BUILD_DIR/demo-traffic, again only when
# its sources changed.
build_demo_traffic() {
  build_unless_current "$1/demo-traffic" "$(sources_hash ops/demo Directory.Build.props Directory.Packages.props global.json .editorconfig)" \
    dotnet build ops/demo/DemoTraffic -c Release --nologo -v quiet -clp:ErrorsOnly -o "$1/demo-traffic"
}
