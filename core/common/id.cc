#include "core/common/id.h"

#include <random>

namespace photon {
namespace id_internal {

void FillRandom(uint8_t* out, size_t size) {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  for (size_t i = 0; i < size; i++) out[i] = static_cast<uint8_t>(gen());
}

std::string ToHex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (size_t i = 0; i < size; i++) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool FromHex(absl::string_view hex, uint8_t* out, size_t size) {
  if (hex.size() != 2 * size) return false;
  for (size_t i = 0; i < size; i++) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace id_internal

namespace {
// Builds a derived ID: `unique` random bytes followed by the parent's bytes.
template <typename Child, typename Parent>
Child Derive(const Parent& parent) {
  static_assert(Child::kSize > Parent::kSize, "child must embed its parent");
  std::string bytes(Child::kSize, '\0');
  id_internal::FillRandom(reinterpret_cast<uint8_t*>(bytes.data()), Child::kSize - Parent::kSize);
  bytes.replace(Child::kSize - Parent::kSize, Parent::kSize, parent.Binary());
  return *Child::FromBinary(bytes);
}

// The parent embedded in the last `Parent::kSize` bytes of `child`.
template <typename Parent, typename Child>
Parent TailOf(const Child& child) {
  std::string b = child.Binary();
  return *Parent::FromBinary(b.substr(Child::kSize - Parent::kSize));
}
}  // namespace

JobID JobID::FromInt(uint32_t value) {
  JobID id;
  for (int i = 0; i < 4; i++) id.bytes_[i] = static_cast<uint8_t>(value >> (8 * (3 - i)));
  return id;
}

uint32_t JobID::ToInt() const {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = (v << 8) | bytes_[i];
  return v;
}

ActorID ActorID::Of(const JobID& job) { return Derive<ActorID>(job); }
JobID ActorID::JobId() const { return TailOf<JobID>(*this); }

TaskID TaskID::Of(const ActorID& actor) { return Derive<TaskID>(actor); }

TaskID TaskID::ForDriver(const JobID& job) {
  std::string bytes(kSize, '\xff');
  std::string actor = ActorID::Nil().Binary();
  std::string job_bytes = job.Binary();
  actor.replace(ActorID::kSize - JobID::kSize, JobID::kSize, job_bytes);
  bytes.replace(kSize - ActorID::kSize, ActorID::kSize, actor);
  return *FromBinary(bytes);
}

ActorID TaskID::ActorId() const { return TailOf<ActorID>(*this); }

ObjectID ObjectID::FromIndex(const TaskID& task, uint32_t index) {
  std::string bytes = task.Binary();
  for (int i = 0; i < 4; i++) bytes.push_back(static_cast<char>(index >> (8 * (3 - i))));
  return *FromBinary(bytes);
}

TaskID ObjectID::TaskId() const {
  return *TaskID::FromBinary(Binary().substr(0, TaskID::kSize));
}

uint32_t ObjectID::Index() const {
  uint32_t v = 0;
  for (size_t i = TaskID::kSize; i < kSize; i++) v = (v << 8) | bytes_[i];
  return v;
}

PlacementGroupID PlacementGroupID::Of(const JobID& job) { return Derive<PlacementGroupID>(job); }
JobID PlacementGroupID::JobId() const { return TailOf<JobID>(*this); }

}  // namespace photon
