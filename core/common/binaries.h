#pragma once

// Finding Photon's own programs (photon-gcs, photon-raylet, photon...) for a
// process that starts them: the `photon` CLI, the local cluster of
// photon::Init and photon.init, the test fixtures and benchmarks. There is
// one search order, so every front end finds the same binaries:
//
//   1. $PHOTON_BIN_DIR, when set.
//   2. The directory of the running executable (`make build` puts all of
//      them in build/bin; an installed `photon` has its daemons beside it).
//   3. The Bazel layout beside it: ../gcs, ../raylet, ../cli, ../dashboard, ../autoscaler (a program run
//      from bazel-bin finds the daemons Bazel built next to it).
//   4. build/bin of BinarySearch::source_tree, when given (the Python
//      binding passes the checkout its package sits in: for Python the
//      running executable is the interpreter, in /usr/bin).
//   5. build/bin of the working directory.
//   6. The directory the `photon` command on PATH resolves to (following
//      symbolic links, as `make build` links /usr/local/bin/photon).
//   7. /usr/local/bin.
//
// The first executable file wins. When none is found, NotFound lists every
// place tried and how to fix it.
//
//   ASSIGN_OR_RETURN(std::string gcs, FindPhotonBinary("photon-gcs"));
//
//   BinarySearch search;
//   search.source_tree = "/home/me/photon";  // its build/bin comes 4th
//   absl::StatusOr<std::string> raylet = FindPhotonBinary("photon-raylet", search);
//
// Thread-safe (it reads the environment and the file system only).

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace photon {

struct BinarySearch {
  // A source checkout whose build/bin is searched (step 4); "" for none.
  std::string source_tree;
};

// The path of the first executable `name` in the order above.
absl::StatusOr<std::string> FindPhotonBinary(const std::string& name, const BinarySearch& search = {});

// Every place FindPhotonBinary looks for `name`, in order (absolute paths,
// not yet checked): for error messages and tests.
std::vector<std::string> BinaryCandidates(const std::string& name, const BinarySearch& search = {});

}  // namespace photon
