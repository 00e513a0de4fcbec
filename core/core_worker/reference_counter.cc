#include "core/core_worker/reference_counter.h"

#include <utility>

#include "absl/container/flat_hash_map.h"

namespace photon {

namespace {

std::string Unknown(const ObjectID& id, const char* action) {
  return std::string(action) + ": object " + id.Hex() +
         " is unknown (neither owned nor borrowed, or already out of scope)";
}

}  // namespace

ReferenceCounter::ReferenceCounter(rpc::Address self, OutOfScopeCallback on_out_of_scope)
    : self_(std::move(self)), on_out_of_scope_(std::move(on_out_of_scope)) {}

absl::Status ReferenceCounter::AddOwnedObject(const ObjectID& id, int64_t size,
                                              std::optional<TaskID> lineage_task) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = refs_.try_emplace(id);
  if (!inserted) {
    return absl::AlreadyExistsError("AddOwnedObject: object " + id.Hex() + " is already " +
                                    (it->second.owned ? "owned" : "borrowed"));
  }
  Reference& ref = it->second;
  ref.owned = true;
  ref.owner = self_;
  ref.size = size;
  ref.lineage_task = lineage_task;
  return absl::OkStatus();
}

absl::Status ReferenceCounter::AddBorrowedObject(const ObjectID& id, const rpc::Address& owner) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = refs_.try_emplace(id);
  Reference& ref = it->second;
  if (inserted) {
    ref.owner = owner;
    return absl::OkStatus();
  }
  if (ref.owned || ref.owner.worker_id() == owner.worker_id()) return absl::OkStatus();
  return absl::InvalidArgumentError("AddBorrowedObject: object " + id.Hex() +
                                    " is already borrowed from another owner (" +
                                    ref.owner.ip() + ":" + std::to_string(ref.owner.port()) +
                                    ", now " + owner.ip() + ":" + std::to_string(owner.port()) +
                                    ")");
}

absl::Status ReferenceCounter::AddLocalReference(const ObjectID& id) {
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(id);
  if (it == refs_.end()) return absl::FailedPreconditionError(Unknown(id, "AddLocalReference"));
  it->second.local_refs++;
  return absl::OkStatus();
}

absl::Status ReferenceCounter::RemoveLocalReference(const ObjectID& id) {
  std::vector<Released> released;
  {
    absl::MutexLock lock(&mu_);
    auto it = refs_.find(id);
    if (it == refs_.end()) {
      return absl::FailedPreconditionError(Unknown(id, "RemoveLocalReference"));
    }
    if (it->second.local_refs == 0) {
      return absl::FailedPreconditionError("RemoveLocalReference: object " + id.Hex() +
                                           " has no local reference");
    }
    it->second.local_refs--;
    ReleaseIfOutOfScope(id, &released);
  }
  Report(std::move(released));
  return absl::OkStatus();
}

absl::Status ReferenceCounter::AddSubmittedTaskReferences(const std::vector<ObjectID>& args) {
  absl::MutexLock lock(&mu_);
  for (const ObjectID& id : args) {
    if (!refs_.contains(id)) {
      return absl::FailedPreconditionError(Unknown(id, "AddSubmittedTaskReferences"));
    }
  }
  for (const ObjectID& id : args) refs_[id].submitted_task_refs++;
  return absl::OkStatus();
}

absl::Status ReferenceCounter::RemoveSubmittedTaskReferences(const std::vector<ObjectID>& args) {
  std::vector<Released> released;
  {
    absl::MutexLock lock(&mu_);
    // Validate first so a bad call changes nothing; an ID repeated in `args`
    // needs that many references.
    absl::flat_hash_map<ObjectID, int64_t> wanted;
    for (const ObjectID& id : args) wanted[id]++;
    for (const auto& [id, count] : wanted) {
      auto it = refs_.find(id);
      if (it == refs_.end()) {
        return absl::FailedPreconditionError(Unknown(id, "RemoveSubmittedTaskReferences"));
      }
      if (it->second.submitted_task_refs < count) {
        return absl::FailedPreconditionError(
            "RemoveSubmittedTaskReferences: object " + id.Hex() + " has " +
            std::to_string(it->second.submitted_task_refs) + " submitted-task references, " +
            std::to_string(count) + " to remove");
      }
    }
    for (const auto& [id, count] : wanted) {
      refs_[id].submitted_task_refs -= count;
      ReleaseIfOutOfScope(id, &released);
    }
  }
  Report(std::move(released));
  return absl::OkStatus();
}

absl::StatusOr<Reference*> ReferenceCounter::FindOwned(const ObjectID& id, const char* action) {
  auto it = refs_.find(id);
  if (it == refs_.end()) return absl::FailedPreconditionError(Unknown(id, action));
  if (!it->second.owned) {
    return absl::FailedPreconditionError(std::string(action) + ": object " + id.Hex() +
                                         " is borrowed, not owned by this process");
  }
  return &it->second;
}

absl::Status ReferenceCounter::AddBorrower(const ObjectID& id, const rpc::Address& borrower) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reference*> ref = Find(id, "AddBorrower");
  if (!ref.ok()) return ref.status();
  (*ref)->borrowers.try_emplace(borrower.worker_id(), borrower);
  return absl::OkStatus();
}

absl::Status ReferenceCounter::RemoveBorrower(const ObjectID& id, const rpc::Address& borrower) {
  std::vector<Released> released;
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Reference*> ref = Find(id, "RemoveBorrower");
    if (!ref.ok()) return ref.status();
    if ((*ref)->borrowers.erase(borrower.worker_id()) == 0) {
      auto worker = WorkerID::FromBinary(borrower.worker_id());
      return absl::FailedPreconditionError(
          "RemoveBorrower: worker " +
          (worker.ok() ? worker->Hex() : "<bad worker_id>") + " does not borrow object " +
          id.Hex());
    }
    ReleaseIfOutOfScope(id, &released);
  }
  Report(std::move(released));
  return absl::OkStatus();
}

absl::Status ReferenceCounter::AddLocation(const ObjectID& id, const NodeID& node) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reference*> ref = FindOwned(id, "AddLocation");
  if (!ref.ok()) return ref.status();
  (*ref)->locations.insert(node);
  return absl::OkStatus();
}

absl::Status ReferenceCounter::RemoveLocation(const ObjectID& id, const NodeID& node) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reference*> ref = FindOwned(id, "RemoveLocation");
  if (!ref.ok()) return ref.status();
  (*ref)->locations.erase(node);
  return absl::OkStatus();
}

std::vector<NodeID> ReferenceCounter::Locations(const ObjectID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(id);
  if (it == refs_.end()) return {};
  return std::vector<NodeID>(it->second.locations.begin(), it->second.locations.end());
}

std::vector<ObjectID> ReferenceCounter::OnNodeDead(const NodeID& node) {
  absl::MutexLock lock(&mu_);
  std::vector<ObjectID> lost;
  for (auto& [id, ref] : refs_) {
    if (ref.locations.erase(node) > 0 && ref.owned && ref.locations.empty()) lost.push_back(id);
  }
  return lost;
}

void ReferenceCounter::ReleaseIfOutOfScope(const ObjectID& id, std::vector<Released>* out) {
  auto it = refs_.find(id);
  if (it == refs_.end() || it->second.InScope()) return;
  std::vector<ObjectID> contained = std::move(it->second.contained);
  out->push_back(Released{id, std::move(it->second)});
  refs_.erase(it);
  for (const ObjectID& inner : contained) {
    auto in = refs_.find(inner);
    if (in == refs_.end() || in->second.local_refs == 0) continue;
    in->second.local_refs--;
    ReleaseIfOutOfScope(inner, out);
  }
}

absl::StatusOr<Reference*> ReferenceCounter::Find(const ObjectID& id, const char* action) {
  auto it = refs_.find(id);
  if (it == refs_.end()) return absl::FailedPreconditionError(Unknown(id, action));
  return &it->second;
}

absl::Status ReferenceCounter::AddContained(const ObjectID& outer, const std::vector<ObjectID>& inner) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Reference*> ref = Find(outer, "AddContained");
  if (!ref.ok()) return ref.status();
  for (const ObjectID& id : inner) {
    auto in = refs_.find(id);
    if (in == refs_.end() || id == outer) continue;
    in->second.local_refs++;
    (*ref)->contained.push_back(id);  // (refs_ does not rehash: no insertion here)
  }
  return absl::OkStatus();
}

void ReferenceCounter::Report(std::vector<Released> released) const {
  if (!on_out_of_scope_) return;
  for (const Released& r : released) on_out_of_scope_(r.id, r.info);
}

bool ReferenceCounter::Has(const ObjectID& id) const {
  absl::MutexLock lock(&mu_);
  return refs_.contains(id);
}

bool ReferenceCounter::IsOwned(const ObjectID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(id);
  return it != refs_.end() && it->second.owned;
}

std::optional<rpc::Address> ReferenceCounter::OwnerOf(const ObjectID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(id);
  if (it == refs_.end()) return std::nullopt;
  return it->second.owner;
}

std::optional<Reference> ReferenceCounter::GetReference(const ObjectID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(id);
  if (it == refs_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<ObjectID, std::vector<NodeID>>> ReferenceCounter::OwnedLocations() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<ObjectID, std::vector<NodeID>>> out;
  for (const auto& [id, ref] : refs_) {
    if (ref.owned && !ref.locations.empty()) {
      out.emplace_back(id, std::vector<NodeID>(ref.locations.begin(), ref.locations.end()));
    }
  }
  return out;
}

int64_t ReferenceCounter::NumObjects() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(refs_.size());
}

std::string ReferenceCounter::DebugString(const ObjectID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = refs_.find(id);
  if (it == refs_.end()) return "object " + id.Hex() + " unknown";
  const Reference& ref = it->second;
  std::string out = "object " + id.Hex() + (ref.owned ? " owned" : " borrowed") +
                    " size=" + std::to_string(ref.size) +
                    " local=" + std::to_string(ref.local_refs) +
                    " submitted=" + std::to_string(ref.submitted_task_refs) +
                    " borrowers=" + std::to_string(ref.borrowers.size()) +
                    " locations=" + std::to_string(ref.locations.size());
  if (ref.lineage_task) out += " lineage=" + ref.lineage_task->Hex();
  if (!ref.owned) out += " owner=" + ref.owner.ip() + ":" + std::to_string(ref.owner.port());
  return out;
}

}  // namespace photon
