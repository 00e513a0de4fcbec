#include "core/core_worker/reference_counter.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace photon {
namespace {

ObjectID NewId() { return ObjectID::FromIndex(TaskID::Of(ActorID::Nil()), 1); }

rpc::Address NewAddress(int port) {
  rpc::Address address;
  address.set_ip("10.0.0.1");
  address.set_port(port);
  address.set_node_id(NodeID::FromRandom().Binary());
  address.set_worker_id(WorkerID::FromRandom().Binary());
  return address;
}

class ReferenceCounterTest : public ::testing::Test {
 protected:
  ReferenceCounterTest()
      : self_(NewAddress(1000)),
        refs_(self_, [this](const ObjectID& id, const Reference& info) {
          // Calls back in: deadlocks if the callback ran under the mutex.
          EXPECT_FALSE(refs_.Has(id));
          EXPECT_FALSE(info.InScope());
          absl::MutexLock lock(&mu_);
          released_.push_back(id);
          last_info_ = info;
        }) {}

  std::vector<ObjectID> Released() {
    absl::MutexLock lock(&mu_);
    return released_;
  }

  rpc::Address self_;
  ReferenceCounter refs_;
  absl::Mutex mu_;
  std::vector<ObjectID> released_ ABSL_GUARDED_BY(mu_);
  Reference last_info_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ReferenceCounterTest, OwnedObjectBasics) {
  ObjectID id = NewId();
  TaskID task = TaskID::Of(ActorID::Nil());
  ASSERT_TRUE(refs_.AddOwnedObject(id, 42, task).ok());
  EXPECT_TRUE(refs_.Has(id));
  EXPECT_TRUE(refs_.IsOwned(id));
  EXPECT_EQ(refs_.OwnerOf(id)->worker_id(), self_.worker_id());
  EXPECT_EQ(refs_.NumObjects(), 1);
  EXPECT_EQ(refs_.AddOwnedObject(id, 1, std::nullopt).code(), absl::StatusCode::kAlreadyExists);
  auto ref = refs_.GetReference(id);
  ASSERT_TRUE(ref.has_value());
  EXPECT_EQ(ref->size, 42);
  EXPECT_EQ(ref->lineage_task, task);
  std::string debug = refs_.DebugString(id);
  EXPECT_NE(debug.find("owned"), std::string::npos) << debug;
  EXPECT_NE(debug.find(task.Hex()), std::string::npos) << debug;
  EXPECT_NE(refs_.DebugString(NewId()).find("unknown"), std::string::npos);
}

// Each of the three kinds of reference keeps the object alive; it goes out of
// scope exactly once, when the last one goes, whatever the order.
TEST_F(ReferenceCounterTest, OutOfScopeExactlyOnceInEveryOrder) {
  rpc::Address borrower = NewAddress(2000);
  std::vector<int> order = {0, 1, 2};
  int permutations = 0;
  do {
    ObjectID id = NewId();
    ASSERT_TRUE(refs_.AddOwnedObject(id, 10, std::nullopt).ok());
    ASSERT_TRUE(refs_.AddLocalReference(id).ok());
    ASSERT_TRUE(refs_.AddSubmittedTaskReferences({id}).ok());
    ASSERT_TRUE(refs_.AddBorrower(id, borrower).ok());
    const size_t before = Released().size();
    for (size_t step = 0; step < order.size(); step++) {
      absl::Status status;
      switch (order[step]) {
        case 0: status = refs_.RemoveLocalReference(id); break;
        case 1: status = refs_.RemoveSubmittedTaskReferences({id}); break;
        case 2: status = refs_.RemoveBorrower(id, borrower); break;
      }
      ASSERT_TRUE(status.ok()) << status;
      const bool last = step + 1 == order.size();
      EXPECT_EQ(refs_.Has(id), !last);
      EXPECT_EQ(Released().size(), before + (last ? 1 : 0));
    }
    EXPECT_EQ(Released().back(), id);
    permutations++;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 6);
  EXPECT_EQ(Released().size(), 6u);
  EXPECT_EQ(refs_.NumObjects(), 0);
}

TEST_F(ReferenceCounterTest, CallbackSeesStateBeforeRemoval) {
  ObjectID id = NewId();
  NodeID node = NodeID::FromRandom();
  ASSERT_TRUE(refs_.AddOwnedObject(id, 7, std::nullopt).ok());
  ASSERT_TRUE(refs_.AddLocation(id, node).ok());
  ASSERT_TRUE(refs_.AddLocalReference(id).ok());
  ASSERT_TRUE(refs_.RemoveLocalReference(id).ok());
  absl::MutexLock lock(&mu_);
  EXPECT_TRUE(last_info_.owned);
  EXPECT_EQ(last_info_.size, 7);
  EXPECT_EQ(last_info_.locations.size(), 1u);
  EXPECT_TRUE(last_info_.locations.contains(node));
}

TEST_F(ReferenceCounterTest, RepeatedCountsNeedAsManyRemovals) {
  ObjectID id = NewId();
  ASSERT_TRUE(refs_.AddOwnedObject(id, 1, std::nullopt).ok());
  ASSERT_TRUE(refs_.AddLocalReference(id).ok());
  ASSERT_TRUE(refs_.AddLocalReference(id).ok());
  ASSERT_TRUE(refs_.AddSubmittedTaskReferences({id, id}).ok());
  ASSERT_TRUE(refs_.RemoveLocalReference(id).ok());
  ASSERT_TRUE(refs_.RemoveLocalReference(id).ok());
  ASSERT_TRUE(refs_.RemoveSubmittedTaskReferences({id}).ok());
  EXPECT_TRUE(refs_.Has(id));
  ASSERT_TRUE(refs_.RemoveSubmittedTaskReferences({id}).ok());
  EXPECT_FALSE(refs_.Has(id));
  EXPECT_EQ(Released().size(), 1u);
}

TEST_F(ReferenceCounterTest, BorrowedObjectReportsOwner) {
  ObjectID id = NewId();
  rpc::Address owner = NewAddress(3000);
  ASSERT_TRUE(refs_.AddBorrowedObject(id, owner).ok());
  ASSERT_TRUE(refs_.AddBorrowedObject(id, owner).ok());  // received again
  EXPECT_TRUE(refs_.Has(id));
  EXPECT_FALSE(refs_.IsOwned(id));
  ASSERT_TRUE(refs_.OwnerOf(id).has_value());
  EXPECT_EQ(refs_.OwnerOf(id)->worker_id(), owner.worker_id());
  EXPECT_EQ(refs_.OwnerOf(id)->port(), 3000);
  EXPECT_FALSE(refs_.OwnerOf(NewId()).has_value());
  EXPECT_EQ(refs_.AddBorrowedObject(id, NewAddress(4000)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refs_.AddOwnedObject(id, 1, std::nullopt).code(), absl::StatusCode::kAlreadyExists);
  // Locations are for owned objects (a borrower may have borrowers: below).
  EXPECT_EQ(refs_.AddBorrower(NewId(), NewAddress(5000)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refs_.AddLocation(id, NodeID::FromRandom()).code(),
            absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(refs_.AddLocalReference(id).ok());
  ASSERT_TRUE(refs_.RemoveLocalReference(id).ok());
  EXPECT_FALSE(refs_.Has(id));
  absl::MutexLock lock(&mu_);
  EXPECT_FALSE(last_info_.owned);
  EXPECT_EQ(last_info_.owner.worker_id(), owner.worker_id());
}

TEST_F(ReferenceCounterTest, ABorrowerWithBorrowersKeepsItsBorrow) {
  ObjectID id = NewId();
  ASSERT_TRUE(refs_.AddBorrowedObject(id, NewAddress(3000)).ok());
  ASSERT_TRUE(refs_.AddLocalReference(id).ok());
  const rpc::Address third = NewAddress(5000);
  ASSERT_TRUE(refs_.AddBorrower(id, third).ok());  // passed on to a third process
  ASSERT_TRUE(refs_.RemoveLocalReference(id).ok());
  EXPECT_TRUE(refs_.Has(id));  // kept for the third process
  EXPECT_TRUE(Released().empty());
  ASSERT_TRUE(refs_.RemoveBorrower(id, third).ok());
  EXPECT_FALSE(refs_.Has(id));
  EXPECT_EQ(Released(), std::vector<ObjectID>{id});
}

TEST_F(ReferenceCounterTest, AContainingObjectKeepsItsInnerReferences) {
  auto id_of = [](int i) { return ObjectID::FromIndex(TaskID::Of(ActorID::Nil()), i); };
  ObjectID outer = id_of(2), inner = id_of(3), innermost = id_of(4);
  ASSERT_TRUE(refs_.AddOwnedObject(outer, 10, std::nullopt).ok());
  ASSERT_TRUE(refs_.AddBorrowedObject(inner, NewAddress(3000)).ok());
  ASSERT_TRUE(refs_.AddOwnedObject(innermost, 10, std::nullopt).ok());
  ASSERT_TRUE(refs_.AddLocalReference(outer).ok());
  ASSERT_TRUE(refs_.AddContained(outer, {inner, id_of(5)}).ok());  // an unknown one is skipped
  ASSERT_TRUE(refs_.AddContained(inner, {innermost}).ok());
  EXPECT_EQ(refs_.GetReference(inner)->local_refs, 1);
  EXPECT_EQ(refs_.AddContained(id_of(6), {inner}).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(refs_.RemoveLocalReference(outer).ok());  // all three go, outermost first
  EXPECT_EQ(Released(), (std::vector<ObjectID>{outer, inner, innermost}));
  EXPECT_EQ(refs_.NumObjects(), 0);
}

TEST_F(ReferenceCounterTest, ReceivingOwnObjectBackStaysOwned) {
  ObjectID id = NewId();
  ASSERT_TRUE(refs_.AddOwnedObject(id, 1, std::nullopt).ok());
  ASSERT_TRUE(refs_.AddBorrowedObject(id, NewAddress(3000)).ok());
  EXPECT_TRUE(refs_.IsOwned(id));
  EXPECT_EQ(refs_.OwnerOf(id)->worker_id(), self_.worker_id());
}

TEST_F(ReferenceCounterTest, BorrowersAreKeyedByWorkerId) {
  ObjectID id = NewId();
  rpc::Address borrower = NewAddress(2000);
  ASSERT_TRUE(refs_.AddOwnedObject(id, 1, std::nullopt).ok());
  ASSERT_TRUE(refs_.AddBorrower(id, borrower).ok());
  ASSERT_TRUE(refs_.AddBorrower(id, borrower).ok());  // idempotent
  EXPECT_EQ(refs_.GetReference(id)->borrowers.size(), 1u);
  rpc::Address stranger = NewAddress(2000);
  absl::Status status = refs_.RemoveBorrower(id, stranger);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find(id.Hex()), std::string::npos) << status;
  ASSERT_TRUE(refs_.RemoveBorrower(id, borrower).ok());
  EXPECT_FALSE(refs_.Has(id));
  EXPECT_EQ(Released().size(), 1u);
}

TEST_F(ReferenceCounterTest, LocationsAndNodeDeath) {
  ObjectID only_on_dead = NewId(), two_copies = NewId(), elsewhere = NewId(), no_copy = NewId();
  NodeID dead = NodeID::FromRandom(), alive = NodeID::FromRandom();
  for (const ObjectID& id : {only_on_dead, two_copies, elsewhere, no_copy}) {
    ASSERT_TRUE(refs_.AddOwnedObject(id, 1 << 20, TaskID::Of(ActorID::Nil())).ok());
  }
  ASSERT_TRUE(refs_.AddLocation(only_on_dead, dead).ok());
  ASSERT_TRUE(refs_.AddLocation(two_copies, dead).ok());
  ASSERT_TRUE(refs_.AddLocation(two_copies, alive).ok());
  ASSERT_TRUE(refs_.AddLocation(two_copies, alive).ok());  // repeated report
  ASSERT_TRUE(refs_.AddLocation(elsewhere, alive).ok());
  EXPECT_EQ(refs_.Locations(two_copies).size(), 2u);
  EXPECT_TRUE(refs_.Locations(no_copy).empty());

  EXPECT_EQ(refs_.OnNodeDead(dead), std::vector<ObjectID>{only_on_dead});
  EXPECT_TRUE(refs_.Locations(only_on_dead).empty());
  EXPECT_EQ(refs_.Locations(two_copies), std::vector<NodeID>{alive});
  EXPECT_EQ(refs_.Locations(elsewhere), std::vector<NodeID>{alive});
  // Already handled: a second report of the same death loses nothing new.
  EXPECT_TRUE(refs_.OnNodeDead(dead).empty());
  // Node death does not change scope.
  EXPECT_EQ(refs_.NumObjects(), 4);
  EXPECT_TRUE(Released().empty());

  ASSERT_TRUE(refs_.RemoveLocation(two_copies, alive).ok());
  ASSERT_TRUE(refs_.RemoveLocation(two_copies, alive).ok());  // idempotent
  EXPECT_TRUE(refs_.Locations(two_copies).empty());
  EXPECT_EQ(refs_.RemoveLocation(NewId(), alive).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(ReferenceCounterTest, MissingReferencesAreFailedPreconditionNotCrashes) {
  ObjectID unknown = NewId();
  absl::Status status = refs_.RemoveLocalReference(unknown);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find(unknown.Hex()), std::string::npos) << status;
  EXPECT_EQ(refs_.AddLocalReference(unknown).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refs_.RemoveBorrower(unknown, NewAddress(1)).code(),
            absl::StatusCode::kFailedPrecondition);

  ObjectID id = NewId();
  ASSERT_TRUE(refs_.AddOwnedObject(id, 1, std::nullopt).ok());
  ASSERT_TRUE(refs_.AddLocalReference(id).ok());
  status = refs_.RemoveSubmittedTaskReferences({id});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("submitted-task"), std::string::npos) << status;

  // All or nothing: one bad argument leaves the good ones untouched.
  EXPECT_EQ(refs_.AddSubmittedTaskReferences({id, unknown}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refs_.GetReference(id)->submitted_task_refs, 0);
  ASSERT_TRUE(refs_.AddSubmittedTaskReferences({id}).ok());
  EXPECT_EQ(refs_.RemoveSubmittedTaskReferences({id, id}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refs_.GetReference(id)->submitted_task_refs, 1);

  ASSERT_TRUE(refs_.RemoveLocalReference(id).ok());
  status = refs_.RemoveLocalReference(id);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("no local reference"), std::string::npos) << status;
  EXPECT_EQ(refs_.GetReference(id)->local_refs, 0);
  EXPECT_TRUE(Released().empty());
  ASSERT_TRUE(refs_.RemoveSubmittedTaskReferences({id}).ok());
  EXPECT_EQ(Released().size(), 1u);
  // Gone now: further removals fail, the callback does not run again.
  EXPECT_EQ(refs_.RemoveSubmittedTaskReferences({id}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Released().size(), 1u);
}

TEST_F(ReferenceCounterTest, WithoutCallbackStillForgets) {
  ReferenceCounter refs(self_, nullptr);
  ObjectID id = NewId();
  ASSERT_TRUE(refs.AddOwnedObject(id, 1, std::nullopt).ok());
  ASSERT_TRUE(refs.AddLocalReference(id).ok());
  ASSERT_TRUE(refs.RemoveLocalReference(id).ok());
  EXPECT_FALSE(refs.Has(id));
}

// Threads share objects that the main thread keeps alive, then the main thread
// drops its references: every object goes out of scope exactly once.
TEST_F(ReferenceCounterTest, ConcurrentSharedObjectsEndConsistent) {
  constexpr int kObjects = 50, kThreads = 8, kRounds = 200;
  std::vector<ObjectID> ids;
  for (int i = 0; i < kObjects; i++) {
    ids.push_back(NewId());
    ASSERT_TRUE(refs_.AddOwnedObject(ids.back(), 1, std::nullopt).ok());
    ASSERT_TRUE(refs_.AddLocalReference(ids.back()).ok());
  }
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      rpc::Address borrower = NewAddress(t);
      for (int r = 0; r < kRounds; r++) {
        const ObjectID& id = ids[(t + r) % kObjects];
        if (!refs_.AddLocalReference(id).ok()) errors++;
        if (!refs_.AddSubmittedTaskReferences({id, id}).ok()) errors++;
        if (!refs_.AddBorrower(id, borrower).ok()) errors++;
        if (!refs_.RemoveSubmittedTaskReferences({id, id}).ok()) errors++;
        if (!refs_.RemoveBorrower(id, borrower).ok()) errors++;
        if (!refs_.RemoveLocalReference(id).ok()) errors++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_TRUE(Released().empty());
  EXPECT_EQ(refs_.NumObjects(), kObjects);
  for (const ObjectID& id : ids) ASSERT_TRUE(refs_.RemoveLocalReference(id).ok());
  EXPECT_EQ(refs_.NumObjects(), 0);
  EXPECT_EQ(Released().size(), static_cast<size_t>(kObjects));
}

// Each thread runs whole lifecycles of its own objects concurrently.
TEST_F(ReferenceCounterTest, ConcurrentLifecyclesReleaseEachObjectOnce) {
  constexpr int kThreads = 8, kPerThread = 300;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      rpc::Address borrower = NewAddress(t);
      NodeID node = NodeID::FromRandom();
      for (int i = 0; i < kPerThread; i++) {
        ObjectID id = NewId();
        if (!refs_.AddOwnedObject(id, i, std::nullopt).ok()) errors++;
        if (!refs_.AddLocalReference(id).ok()) errors++;
        if (!refs_.AddLocation(id, node).ok()) errors++;
        if (!refs_.AddSubmittedTaskReferences({id}).ok()) errors++;
        if (!refs_.AddBorrower(id, borrower).ok()) errors++;
        if (!refs_.RemoveLocalReference(id).ok()) errors++;
        if (!refs_.RemoveBorrower(id, borrower).ok()) errors++;
        if (!refs_.RemoveSubmittedTaskReferences({id}).ok()) errors++;
        if (refs_.Has(id)) errors++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(refs_.NumObjects(), 0);
  std::vector<ObjectID> released = Released();
  EXPECT_EQ(released.size(), static_cast<size_t>(kThreads * kPerThread));
  std::sort(released.begin(), released.end());
  EXPECT_EQ(std::adjacent_find(released.begin(), released.end()), released.end());
}

}  // namespace
}  // namespace photon
