#include "core/common/session.h"

#include <sys/stat.h>

#include <cstdlib>

#include "gtest/gtest.h"

namespace photon {
namespace {

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::string(std::getenv("TEST_TMPDIR")) + "/photon-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ::setenv("PHOTON_TMPDIR", root_.c_str(), 1);
    ::unsetenv("PHOTON_CLUSTER_TOKEN");
  }
  void TearDown() override { ::unsetenv("PHOTON_TMPDIR"); }
  std::string root_;
};

TEST_F(SessionTest, CreateWritesLatestLinkTokenAndPids) {
  absl::StatusOr<Session> s = Session::Create();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->dir().rfind(root_ + "/session_", 0), 0u);
  absl::StatusOr<std::string> token = Session::GenerateToken();
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 64u);
  ASSERT_TRUE(s->WriteToken(*token).ok());
  struct stat st;
  ASSERT_EQ(stat(s->token_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  absl::StatusOr<Session> latest = Session::Latest();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(*latest->ReadToken(), *token);
  EXPECT_EQ(*ResolveClusterToken(), *token);

  ASSERT_TRUE(s->WritePid("gcs", 1234).ok());
  auto pids = s->Pids();
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_EQ(pids[0], (std::pair<std::string, int>("gcs", 1234)));
  s->RemovePid("gcs");
  EXPECT_TRUE(s->Pids().empty());
  EXPECT_EQ(Session::All().size(), 1u);
}

TEST_F(SessionTest, EnvironmentTokenWinsAndMissingSessionIsExplained) {
  absl::StatusOr<std::string> none = ResolveClusterToken();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("PHOTON_CLUSTER_TOKEN is not set"), std::string::npos);
  ::setenv("PHOTON_CLUSTER_TOKEN", "abc", 1);
  EXPECT_EQ(*ResolveClusterToken(), "abc");
  ::unsetenv("PHOTON_CLUSTER_TOKEN");
}

}  // namespace
}  // namespace photon
