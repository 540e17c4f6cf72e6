#pragma once
// What this build of aecnn is: recorded with every trial (provenance) and printed by --version.

namespace aecnn {

/// "0.1.0 (git 21d3292-dirty)": the project version and `git describe` of the source tree when it
/// was built ("no git checkout" when built from a tarball).
const char* tool_version();
/// "GCC 12.2.0": the compiler that built it.
const char* compiler_version();

}  // namespace aecnn
