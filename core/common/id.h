#pragma once

// Fixed-size binary identifiers for everything the cluster names.
//
// Each ID is a value type of N bytes; `Hex()` is for humans and logs,
// `Binary()` travels in protobufs. IDs parsed from the wire are validated:
//
//   ASSIGN_OR_RETURN(NodeID node, NodeID::FromBinary(request.node_id()));
//   LOG(INFO) << "node " << node.Hex() << " registered";
//
// Derived IDs carry their parent, so ownership can be read off the ID:
//   JobID (4) <- ActorID (12 unique + JobID) <- TaskID (8 unique + ActorID)
//   <- ObjectID (TaskID + 4-byte index); PlacementGroupID (14 unique + JobID).
// NodeID and WorkerID are 28 random bytes. An all-zero ID is "nil".

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace photon {

namespace id_internal {
// Fills `out` with `size` bytes from a per-thread CSPRNG-seeded generator.
void FillRandom(uint8_t* out, size_t size);
std::string ToHex(const uint8_t* data, size_t size);
// Decodes exactly `size` bytes of hex into `out`; false on bad input.
bool FromHex(absl::string_view hex, uint8_t* out, size_t size);
}  // namespace id_internal

// CRTP base: `T` is the concrete ID, `N` its size in bytes, `kName` its name
// in error messages.
template <typename T, size_t N>
class BaseID {
 public:
  static constexpr size_t kSize = N;

  // The nil ID (all zero bytes).
  BaseID() { bytes_.fill(0); }

  static T Nil() { return T(); }
  static T FromRandom() {
    T id;
    id_internal::FillRandom(id.bytes_.data(), N);
    return id;
  }
  // Fails with InvalidArgument unless `binary` is exactly N bytes.
  static absl::StatusOr<T> FromBinary(absl::string_view binary) {
    if (binary.size() != N) {
      return absl::InvalidArgumentError(std::string(T::kName) + " must be " + std::to_string(N) +
                                        " bytes, got " + std::to_string(binary.size()));
    }
    T id;
    std::memcpy(id.bytes_.data(), binary.data(), N);
    return id;
  }
  // Fails with InvalidArgument unless `hex` is 2*N hex digits.
  static absl::StatusOr<T> FromHex(absl::string_view hex) {
    T id;
    if (!id_internal::FromHex(hex, id.bytes_.data(), N)) {
      return absl::InvalidArgumentError(std::string(T::kName) + " must be " +
                                        std::to_string(2 * N) + " hex digits, got \"" +
                                        std::string(hex.substr(0, 80)) + "\"");
    }
    return id;
  }

  bool IsNil() const {
    for (uint8_t b : bytes_) {
      if (b != 0) return false;
    }
    return true;
  }
  std::string Binary() const { return std::string(reinterpret_cast<const char*>(bytes_.data()), N); }
  std::string Hex() const { return id_internal::ToHex(bytes_.data(), N); }
  // The first 12 hex digits: enough to tell IDs apart in a log line.
  std::string ShortHex() const { return id_internal::ToHex(bytes_.data(), N < 6 ? N : 6); }
  const uint8_t* data() const { return bytes_.data(); }

  bool operator==(const BaseID& o) const { return bytes_ == o.bytes_; }
  bool operator!=(const BaseID& o) const { return bytes_ != o.bytes_; }
  bool operator<(const BaseID& o) const { return bytes_ < o.bytes_; }

  template <typename H>
  friend H AbslHashValue(H h, const BaseID& id) {
    return H::combine_contiguous(std::move(h), id.bytes_.data(), N);
  }

 protected:
  std::array<uint8_t, N> bytes_;
};

class JobID : public BaseID<JobID, 4> {
 public:
  static constexpr const char* kName = "JobID";
  static JobID FromInt(uint32_t value);
  uint32_t ToInt() const;
};

class ActorID : public BaseID<ActorID, 16> {
 public:
  static constexpr const char* kName = "ActorID";
  static ActorID Of(const JobID& job);  // random unique part
  JobID JobId() const;
};

class TaskID : public BaseID<TaskID, 24> {
 public:
  static constexpr const char* kName = "TaskID";
  // A task of `actor` (nil actor for normal tasks) of `job`.
  static TaskID Of(const ActorID& actor);
  // The driver's own task for `job`: unique part all ones.
  static TaskID ForDriver(const JobID& job);
  ActorID ActorId() const;
  JobID JobId() const { return ActorId().JobId(); }
};

class ObjectID : public BaseID<ObjectID, 28> {
 public:
  static constexpr const char* kName = "ObjectID";
  // Return value `index` (1-based) of `task`, or put number `index` by it.
  static ObjectID FromIndex(const TaskID& task, uint32_t index);
  TaskID TaskId() const;
  uint32_t Index() const;
};

class PlacementGroupID : public BaseID<PlacementGroupID, 18> {
 public:
  static constexpr const char* kName = "PlacementGroupID";
  static PlacementGroupID Of(const JobID& job);
  JobID JobId() const;
};

class NodeID : public BaseID<NodeID, 28> {
 public:
  static constexpr const char* kName = "NodeID";
};

class WorkerID : public BaseID<WorkerID, 28> {
 public:
  static constexpr const char* kName = "WorkerID";
};

template <typename T, size_t N>
std::ostream& operator<<(std::ostream& os, const BaseID<T, N>& id) {
  return os << id.Hex();
}

}  // namespace photon

namespace std {
template <typename T>
struct IdHash {
  size_t operator()(const T& id) const {
    size_t h = 1469598103934665603ull;
    for (size_t i = 0; i < T::kSize; i++) h = (h ^ id.data()[i]) * 1099511628211ull;
    return h;
  }
};
template <>
struct hash<photon::JobID> : IdHash<photon::JobID> {};
template <>
struct hash<photon::ActorID> : IdHash<photon::ActorID> {};
template <>
struct hash<photon::TaskID> : IdHash<photon::TaskID> {};
template <>
struct hash<photon::ObjectID> : IdHash<photon::ObjectID> {};
template <>
struct hash<photon::PlacementGroupID> : IdHash<photon::PlacementGroupID> {};
template <>
struct hash<photon::NodeID> : IdHash<photon::NodeID> {};
template <>
struct hash<photon::WorkerID> : IdHash<photon::WorkerID> {};
}  // namespace std
