#include "raylet/bundle_reservations.h"

#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

using scheduler::FixedPoint;
using scheduler::ResourceRequest;
using State = BundleReservations::State;

ResourceRequest Req(std::map<std::string, double> m) {
  return ResourceRequest::FromMap(m, scheduler::ResourceNames::Global());
}

class BundleReservationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::map<std::string, double> resources = {{"CPU", 4}, {"GPU", 2}, {"pg_test_slot", 2}};
    ASSERT_EQ(view_.UpdateNode(NodeID::FromRandom(), resources, resources), local_);
  }
  double AvailableCpu() const { return view_.Available(local_, scheduler::kCpu).ToDouble(); }

  scheduler::ClusterResourceView view_{scheduler::ResourceNames::Global()};
  const int local_ = 0;  // the node SetUp adds
  BundleReservations bundles_{view_, local_};
  PlacementGroupID group_ = PlacementGroupID::Of(JobID::FromRandom());
};

TEST_F(BundleReservationsTest, PrepareCommitAcquireReleaseReturn) {
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 2}})).ok());
  EXPECT_EQ(AvailableCpu(), 2);
  EXPECT_EQ(bundles_.GetState(group_, 0), State::kPrepared);
  EXPECT_TRUE(absl::IsUnavailable(bundles_.Acquire(group_, 0, Req({{"CPU", 1}})).status()));  // not committed

  ASSERT_TRUE(bundles_.Commit(group_, 0).ok());
  EXPECT_EQ(bundles_.GetState(group_, 0), State::kCommitted);
  EXPECT_EQ(bundles_.PoolAvailable(group_, 0), Req({{"CPU", 2}}));
  EXPECT_EQ(*bundles_.Acquire(group_, 0, Req({{"CPU", 1}})), 0);
  EXPECT_EQ(*bundles_.Acquire(group_, kAnyBundle, Req({{"CPU", 1}})), 0);
  absl::StatusOr<int> full = bundles_.Acquire(group_, 0, Req({{"CPU", 1}}));
  EXPECT_TRUE(absl::IsUnavailable(full.status())) << full.status();
  EXPECT_EQ(AvailableCpu(), 2);  // tasks draw from the bundle, not the node

  ASSERT_TRUE(bundles_.Release(group_, 0, Req({{"CPU", 1}})).ok());
  EXPECT_EQ(bundles_.PoolAvailable(group_, 0), Req({{"CPU", 1}}));
  ASSERT_TRUE(bundles_.Release(group_, 0, Req({{"CPU", 1}})).ok());
  ASSERT_TRUE(bundles_.Return(group_).ok());
  EXPECT_EQ(AvailableCpu(), 4);
  EXPECT_EQ(bundles_.GetState(group_, 0), State::kNone);
  EXPECT_EQ(bundles_.num_bundles(), 0u);
}

TEST_F(BundleReservationsTest, PrepareThatDoesNotFitChangesNothing) {
  view_.Allocate(local_, Req({{"CPU", 3}}));  // an ordinary lease
  absl::Status busy = bundles_.Prepare(group_, 0, Req({{"CPU", 2}}));
  EXPECT_TRUE(absl::IsUnavailable(busy)) << busy;
  EXPECT_NE(busy.message().find("needs {CPU: 2}; this node has {CPU: 1} available"), std::string::npos) << busy;
  absl::Status never = bundles_.Prepare(group_, 0, Req({{"CPU", 8}}));
  EXPECT_TRUE(absl::IsFailedPrecondition(never)) << never;
  EXPECT_EQ(AvailableCpu(), 1);
  EXPECT_EQ(bundles_.num_bundles(), 0u);
  EXPECT_TRUE(absl::IsInvalidArgument(bundles_.Prepare(group_, -1, Req({{"CPU", 1}}))));
}

TEST_F(BundleReservationsTest, DoublePrepareAndCommitAreIdempotent) {
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 1}})).ok());
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 1}})).ok());
  EXPECT_EQ(AvailableCpu(), 3);  // charged once
  EXPECT_TRUE(absl::IsAlreadyExists(bundles_.Prepare(group_, 0, Req({{"CPU", 2}}))));
  ASSERT_TRUE(bundles_.Commit(group_, 0).ok());
  ASSERT_TRUE(bundles_.Commit(group_, 0).ok());
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 1}})).ok());  // a retried prepare after commit
  EXPECT_EQ(bundles_.GetState(group_, 0), State::kCommitted);
  EXPECT_EQ(AvailableCpu(), 3);
}

TEST_F(BundleReservationsTest, CancelAfterPrepareGivesTheBundleBack) {
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 1}})).ok());
  ASSERT_TRUE(bundles_.Prepare(group_, 1, Req({{"CPU", 2}})).ok());
  EXPECT_EQ(AvailableCpu(), 1);
  ASSERT_TRUE(bundles_.Cancel(group_, 0).ok());
  EXPECT_EQ(AvailableCpu(), 2);
  EXPECT_EQ(bundles_.GetState(group_, 0), State::kNone);
  EXPECT_EQ(bundles_.GetState(group_, 1), State::kPrepared);
  EXPECT_TRUE(absl::IsNotFound(bundles_.Commit(group_, 0)));
  EXPECT_TRUE(absl::IsNotFound(bundles_.Cancel(group_, 0)));
  ASSERT_TRUE(bundles_.Return(group_).ok());
  EXPECT_EQ(AvailableCpu(), 4);
}

TEST_F(BundleReservationsTest, UnknownGroupIsNotFound) {
  absl::Status s = bundles_.Return(group_);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_NE(s.message().find(group_.Hex()), std::string::npos) << s;
  EXPECT_TRUE(absl::IsNotFound(bundles_.Commit(group_, 0)));
  EXPECT_TRUE(absl::IsNotFound(bundles_.Acquire(group_, kAnyBundle, Req({{"CPU", 1}})).status()));
  EXPECT_TRUE(absl::IsNotFound(bundles_.Release(group_, 0, Req({{"CPU", 1}}))));
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 1}})).ok());
  EXPECT_TRUE(absl::IsNotFound(bundles_.Acquire(group_, 3, Req({{"CPU", 1}})).status()));
}

TEST_F(BundleReservationsTest, AnyBundleTakesTheLowestIndexThatFits) {
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 1}})).ok());
  ASSERT_TRUE(bundles_.Prepare(group_, 1, Req({{"CPU", 1}, {"GPU", 1}})).ok());
  ASSERT_TRUE(bundles_.Commit(group_, 0).ok());
  ASSERT_TRUE(bundles_.Commit(group_, 1).ok());
  EXPECT_EQ(*bundles_.Acquire(group_, kAnyBundle, Req({{"GPU", 1}})), 1);
  EXPECT_EQ(*bundles_.Acquire(group_, kAnyBundle, Req({{"CPU", 1}})), 0);
  EXPECT_EQ(*bundles_.Acquire(group_, kAnyBundle, Req({{"CPU", 1}})), 1);
  EXPECT_TRUE(absl::IsUnavailable(bundles_.Acquire(group_, kAnyBundle, Req({{"CPU", 1}})).status()));
  // Bigger than every bundle: a task that can never run in this group.
  EXPECT_TRUE(absl::IsInvalidArgument(bundles_.Acquire(group_, kAnyBundle, Req({{"CPU", 2}})).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(bundles_.Acquire(group_, 0, Req({{"GPU", 1}})).status()));
}

TEST_F(BundleReservationsTest, ReturnWhileTasksHoldResourcesWaitsForTheirRelease) {
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 2}})).ok());
  ASSERT_TRUE(bundles_.Commit(group_, 0).ok());
  ASSERT_EQ(*bundles_.Acquire(group_, 0, Req({{"CPU", 1}})), 0);
  ASSERT_TRUE(bundles_.Return(group_).ok());
  EXPECT_EQ(AvailableCpu(), 3);  // the held CPU is still in use
  EXPECT_EQ(bundles_.GetState(group_, 0), State::kReturning);
  EXPECT_TRUE(absl::IsFailedPrecondition(bundles_.Acquire(group_, 0, Req({{"CPU", 1}})).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(bundles_.Acquire(group_, kAnyBundle, Req({{"CPU", 1}})).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(bundles_.Prepare(group_, 0, Req({{"CPU", 2}}))));
  ASSERT_TRUE(bundles_.Return(group_).ok());  // still known: a retry changes nothing
  EXPECT_EQ(AvailableCpu(), 3);

  ASSERT_TRUE(bundles_.Release(group_, 0, Req({{"CPU", 1}})).ok());
  EXPECT_EQ(AvailableCpu(), 4);
  EXPECT_EQ(bundles_.GetState(group_, 0), State::kNone);
  EXPECT_TRUE(absl::IsNotFound(bundles_.Return(group_)));
}

TEST_F(BundleReservationsTest, ReleasingMoreThanHeldIsRejected) {
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 2}})).ok());
  ASSERT_TRUE(bundles_.Commit(group_, 0).ok());
  ASSERT_EQ(*bundles_.Acquire(group_, 0, Req({{"CPU", 1}})), 0);
  absl::Status s = bundles_.Release(group_, 0, Req({{"CPU", 2}}));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(bundles_.PoolAvailable(group_, 0), Req({{"CPU", 1}}));
}

TEST_F(BundleReservationsTest, FractionalAndCustomResources) {
  ASSERT_TRUE(bundles_.Prepare(group_, 0, Req({{"CPU", 0.5}, {"pg_test_slot", 1}})).ok());
  ASSERT_TRUE(bundles_.Commit(group_, 0).ok());
  EXPECT_EQ(view_.Available(local_, scheduler::ResourceNames::Global().Find("pg_test_slot")),
            FixedPoint::FromDouble(1));
  ResourceRequest quarter = Req({{"CPU", 0.25}});
  EXPECT_TRUE(bundles_.Acquire(group_, 0, quarter).ok());
  EXPECT_TRUE(bundles_.Acquire(group_, 0, quarter).ok());
  EXPECT_TRUE(absl::IsUnavailable(bundles_.Acquire(group_, 0, quarter).status()));
  EXPECT_EQ(*bundles_.Acquire(group_, kAnyBundle, Req({{"pg_test_slot", 1}})), 0);
  EXPECT_EQ(AvailableCpu(), 3.5);
}

}  // namespace
}  // namespace raylet
}  // namespace photon
