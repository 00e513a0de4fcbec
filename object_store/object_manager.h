#pragma once

// ObjectManager: the puller side of object transfers.
//
// Pull(id, holders) copies an object from another node's store into this
// node's store as a secondary copy:
//   - it asks a holder (TransferServer) for the object's size, creates the
//     object locally, then fetches chunks of `chunk_size` bytes over
//     `connections` parallel TCP streams straight into shared memory, and
//     seals it when every byte is in;
//   - pulls of the same object at the same time are merged into one;
//   - admission: pulls in flight never hold more than `max_inflight_bytes`
//     of store memory (one larger object may go alone), so pulls cannot
//     crowd out what running tasks need;
//   - a holder that dies or a stream that breaks aborts the local object
//     (readers never see a half-written one) and the next holder is tried;
//     when none is left the error names each holder and what went wrong.
//
//   ObjectManager manager(options, store_server);
//   manager.Pull(id, {"10.0.0.5:40123"}, [](absl::StatusOr<int64_t> bytes) { ... });
//
// Thread-safe; `done` runs on a transfer thread.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "core/common/thread_pool.h"
#include "object_store/store_server.h"

namespace photon {
namespace object_store {

class ObjectManager {
 public:
  struct Options {
    std::string token;
    int64_t chunk_size = 8 << 20;
    int connections = 4;
    // 0: half the store's capacity.
    int64_t max_inflight_bytes = 0;
    // Pulls running at once (others queue).
    int pull_threads = 4;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds io_timeout{30000};
  };
  using Done = std::function<void(absl::StatusOr<int64_t> bytes)>;

  ObjectManager(Options options, StoreServer& store);
  ~ObjectManager();

  void Pull(const ObjectID& id, std::vector<std::string> holders, Done done);

 private:
  // Runs one pull to completion; returns the object's size.
  absl::StatusOr<int64_t> RunPull(const ObjectID& id, const std::vector<std::string>& holders);
  absl::StatusOr<int64_t> PullFrom(const ObjectID& id, const std::string& holder);
  void Admit(int64_t bytes);
  void Leave(int64_t bytes);

  const Options options_;
  StoreServer& store_;
  std::unique_ptr<ThreadPool> pool_;
  std::mutex mu_;
  std::condition_variable admission_cv_;
  int64_t inflight_bytes_ = 0;                                  // guarded by mu_
  absl::flat_hash_map<ObjectID, std::vector<Done>> pulling_;    // guarded by mu_
};

}  // namespace object_store
}  // namespace photon
