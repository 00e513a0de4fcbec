// main() for tests that run C++ tasks: the test binary is also its job's
// worker executable, so a process the raylet starts as a worker must serve
// tasks instead of running the tests.
#include <gtest/gtest.h>

#include "core/api/runtime.h"

int main(int argc, char** argv) {
  photon::RunWorkerIfAsked();  // never returns in a worker
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
