# shellcheck shell=bash
# Runtime settings the service runs with that only an environment variable can set (the runtime reads no
# runtimeconfig.json property for them); the Dockerfile sets the same for the image. Sourced by ./ops/run and
# the benchmarks; a value already in the environment wins.
#
# DOTNET_GCgen0size (hexadecimal bytes): the GC's gen0 budget, how much the service allocates between two
# collections. Left to the runtime it follows the CPU's cache (48 MiB of L3 here: a budget of tens of MiB);
# 4 MiB held the resident memory under ./ops/bench/db/run about 40 MiB lower with the workstation GC
# (MinimalBackend.csproj), README "Start-up and memory".
export DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x400000}
