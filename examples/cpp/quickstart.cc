// Photon's C++ quick start: remote tasks, arguments by value and by
// reference, a large result, and an error coming back from a task.
//
//   bazel build //examples/cpp:quickstart && bazel-bin/examples/cpp/quickstart
//
// With no address, photon::Init starts a local cluster for this program;
// PHOTON_ADDRESS=HOST:PORT (or "auto") joins a running one instead.
#include <iostream>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/api/photon.h"

int Plus(int a, int b) { return a + b; }

// Makes `n` numbers 0..n-1 (4 MiB for n = 1M: it lives in the object store).
std::vector<int32_t> Range(int n) {
  std::vector<int32_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

int64_t Sum(const std::vector<int32_t>& v) { return std::accumulate(v.begin(), v.end(), int64_t{0}); }

std::string Where() { return photon::GetNodeId().substr(0, 8); }

int Fails(int x) {
  if (x < 0) throw std::invalid_argument("x must not be negative, got " + std::to_string(x));
  return x;
}

PHOTON_REMOTE(Plus, Range, Sum, Where, Fails);

int main() {
  photon::Init();  // in a worker process, this runs tasks and never returns

  // Many small tasks at once; Get waits for all of them.
  std::vector<photon::ObjectRef<int>> sums;
  for (int i = 0; i < 10; i++) sums.push_back(photon::Task(Plus).Remote(i, i));
  std::vector<int> values = photon::Get(sums);
  std::cout << "Plus(i, i) for i < 10: ";
  for (int v : values) std::cout << v << " ";
  std::cout << "\n";

  // A result passed to the next task by reference: it never comes back here.
  photon::ObjectRef<std::vector<int32_t>> range = photon::Task(Range).Remote(1000000);
  photon::ObjectRef<int64_t> total = photon::Task(Sum).Remote(range);
  std::cout << "Sum(Range(1000000)) = " << photon::Get(total) << "\n";

  // A value put by the driver, then used by a task.
  photon::ObjectRef<int> forty = photon::Put(40);
  std::cout << "Plus(Put(40), 2) = " << photon::Get(photon::Task(Plus).Remote(forty, 2)) << "\n";

  std::cout << "a task ran on node " << photon::Get(photon::Task(Where).Remote()) << "\n";

  // An exception inside a task reaches the caller.
  try {
    photon::Get(photon::Task(Fails).Remote(-1));
  } catch (const photon::TaskError& e) {
    std::cout << "Fails(-1) raised: " << e.what() << "\n";
  }

  photon::Shutdown();
  return 0;
}
