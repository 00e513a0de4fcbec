#pragma once

// ObjectStoreClient: a process's connection to its node's object store.
//
// Objects are written and read in place in the store's shared memory, which
// the client maps once when it connects; only small control messages cross
// the socket. Create pins the new object for this client; Get pins what it
// returns; Release gives a pin back. Pins are counted here first: a Get of an
// object this client already holds costs no round trip, and only the last
// Release tells the store.
//
//   ASSIGN_OR_RETURN(auto client, ObjectStoreClient::Connect("/tmp/photon/.../store.sock"));
//   ASSIGN_OR_RETURN(MutableObject obj, client->Create(id, 1024, 0));
//   std::memcpy(obj.data, bytes, 1024);
//   RETURN_IF_ERROR(client->Seal(id));
//   ASSIGN_OR_RETURN(std::vector<ObjectBuffer> got, client->Get({id}, /*timeout_ms=*/1000));
//   ... read got[0].data ...
//   client->Release(id);   // once for the Create, once for the Get
//   client->Release(id);
//
// If the store goes away (the raylet exited), calls fail with Unavailable
// naming the socket, pins held are gone, and the next call tries to
// reconnect. Buffers stay mapped until the client is destroyed.
// Thread-safe.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "proto/object_store.pb.h"

namespace photon {
namespace object_store {

struct MutableObject {
  uint8_t* data = nullptr;
  int64_t data_size = 0;
  uint8_t* metadata = nullptr;
  int64_t metadata_size = 0;
};

struct ObjectBuffer {
  ObjectID id;
  // False when the object did not appear before the timeout, or was lost
  // (then `error` says why).
  bool found = false;
  // Read-only views into shared memory, valid until the pin is released.
  const uint8_t* data = nullptr;
  int64_t data_size = 0;
  const uint8_t* metadata = nullptr;
  int64_t metadata_size = 0;
  std::string error;
};

class ObjectStoreClient {
 public:
  static absl::StatusOr<std::unique_ptr<ObjectStoreClient>> Connect(const std::string& socket_path);
  ~ObjectStoreClient();

  // AlreadyExists, ResourceExhausted (store full after its grace period), ...
  absl::StatusOr<MutableObject> Create(const ObjectID& id, int64_t data_size, int64_t metadata_size,
                                       const rpc::Address& owner = {}, bool primary = true);
  // Returns once the object is visible to every client and node.
  absl::Status Seal(const ObjectID& id);
  absl::Status Abort(const ObjectID& id);
  // timeout_ms: how long to wait for objects not sealed yet (-1: forever).
  absl::StatusOr<std::vector<ObjectBuffer>> Get(const std::vector<ObjectID>& ids, int64_t timeout_ms);
  // FailedPrecondition when this client holds no pin on `id`.
  absl::Status Release(const ObjectID& id);
  absl::StatusOr<bool> Contains(const ObjectID& id);
  absl::StatusOr<int64_t> Delete(const std::vector<ObjectID>& ids);
  absl::StatusOr<rpc::StoreStats> Stats();

  // Create, copy, seal, release: the object stays in the store.
  absl::Status Put(const ObjectID& id, const void* data, int64_t size, const std::string& metadata = "");

  int64_t capacity() const;

 private:
  struct Pin {
    int count = 0;
    ObjectBuffer buffer;
  };
  explicit ObjectStoreClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}
  // REQUIRES: mu_ held. Connects (again) when not connected.
  absl::Status EnsureConnected(std::unique_lock<std::mutex>& lock);
  void DisconnectLocked(const std::string& why);
  // Sends `request` (its id is set here) and, unless `no_reply`, waits for
  // the matching reply; errors in the reply come back as a status.
  absl::StatusOr<rpc::StoreReply> Call(rpc::StoreRequest request, bool no_reply = false);
  ObjectBuffer MakeBuffer(const rpc::StoreObject& o) const;

  const std::string socket_path_;
  mutable std::mutex mu_;
  std::condition_variable replies_cv_;
  int socket_ = -1;                  // guarded by mu_
  uint64_t generation_ = 0;          // guarded by mu_; bumps on each connection
  int64_t capacity_ = 0;             // guarded by mu_
  uint8_t* writable_ = nullptr;      // guarded by mu_
  const uint8_t* readable_ = nullptr;  // guarded by mu_
  uint64_t next_request_id_ = 1;     // guarded by mu_
  bool reading_ = false;             // guarded by mu_: one thread reads the socket at a time
  std::string inbox_;                // bytes read but not parsed; only the reading thread touches it
  std::map<uint64_t, rpc::StoreReply> replies_;        // guarded by mu_
  absl::flat_hash_map<ObjectID, Pin> pins_;            // guarded by mu_
  std::vector<int> retired_sockets_;                   // guarded by mu_
  std::vector<std::pair<void*, size_t>> mappings_;     // guarded by mu_
  std::mutex write_mu_;              // orders whole frames on the socket
};

}  // namespace object_store
}  // namespace photon
