#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script. The builder runs it from the
# source tree (the Dockerfile's WORKDIR) with the OSS-Fuzz contract's
# variables: $CC, $CFLAGS, $CXX, $CXXFLAGS (sanitizer, coverage and
# instrumentation flags), $LIB_FUZZING_ENGINE (the engine to link with),
# $OUT (where the fuzzers go), $WORK (scratch) and $SRC.
#
# It writes, for each policy family (CMakeLists.txt: GCSIM_FUZZ_FAMILIES),
#   $OUT/gcsim_fuzz_cpython_38                the fuzzer, policy built in
#   $OUT/gcsim_fuzz_cpython_38_seed_corpus.zip  corpus/seeds
#   $OUT/gcsim_fuzz_cpython_38.dict           corpus/gcsim.dict
#   $OUT/gcsim_fuzz_cpython_38.options        corpus/gcsim-fuzz.options
# Each fuzzer has corpus/known-findings.supp built in; GCSIM_POLICY and
# GCSIM_SUPPRESSIONS still override both (fuzz/target_libfuzzer.c).
# tests/clusterfuzzlite_test.sh runs this script with the variables set by
# hand, and the fuzzers it writes.
src=$PWD
[ -f "$src/CMakeLists.txt" ] && [ -d "$src/corpus/seeds" ] ||
  { echo "build.sh: run me from the gcsim source tree" >&2; exit 2; }
: "${CC:?}" "${CXX:?}" "${CFLAGS:?}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}"
export CXXFLAGS=${CXXFLAGS:-$CFLAGS}
work=${WORK:-$(mktemp -d)}/gcsim-build

# xxHash statically: the runner image that runs $OUT has no libxxhash.
xxhash=$("$CC" -print-file-name=libxxhash.a)
xxopt=()
[ "${xxhash#/}" != "$xxhash" ] && xxopt=(-DXXHASH_LIBRARY="$xxhash")

# CMake takes CC, CXX, CFLAGS and CXXFLAGS from the environment; build type
# None adds no flags of its own. Under a sanitizer, memory the harness keeps
# between inputs is filled with 0xa5 bytes (GCSIM_SCRIBBLE, sim/grow.h), so
# that a read of what an earlier input left there fails loudly.
case "${SANITIZER:-}" in
  address|undefined|memory) export CFLAGS="$CFLAGS -DGCSIM_SCRIBBLE" CXXFLAGS="$CXXFLAGS -DGCSIM_SCRIBBLE" ;;
esac
cmake -S "$src" -B "$work" -DCMAKE_BUILD_TYPE=None -DGCSIM_WERROR=OFF \
  -DGCSIM_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" "${xxopt[@]}"
cmake --build "$work" --target gcsim_fuzz_families -j"$(nproc)"

mkdir -p "$OUT"
for f in "$work"/families/gcsim_fuzz_*; do
  name=$(basename "$f")
  cp "$f" "$OUT/$name"
  rm -f "$OUT/${name}_seed_corpus.zip"
  zip -q -j "$OUT/${name}_seed_corpus.zip" "$src"/corpus/seeds/*
  cp "$src/corpus/gcsim.dict" "$OUT/$name.dict"
  sed "s/^dict = .*/dict = $name.dict/" "$src/corpus/gcsim-fuzz.options" >"$OUT/$name.options"
done
