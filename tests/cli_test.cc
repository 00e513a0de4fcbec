// `photon start/status/stop` as a user runs them, in a private PHOTON_TMPDIR.

#include <signal.h>

#include <cstdlib>
#include <fstream>

#include "core/common/free_port.h"
#include "core/common/session.h"
#include "gtest/gtest.h"
#include "tests/subprocess.h"

namespace photon {
namespace testing {
namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmpdir_ = std::string(std::getenv("TEST_TMPDIR")) + "/photon-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
    absl::StatusOr<int> port = PickFreePort();
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }
  void TearDown() override { Photon({"stop", "--force"}); }

  CommandResult Photon(std::vector<std::string> args) {
    args.insert(args.begin(), PhotonBinary("cli/photon"));
    return RunCommand(args, {{"PHOTON_TMPDIR", tmpdir_}});
  }

  std::string tmpdir_;
  int port_ = 0;
};

TEST_F(CliTest, StartJoinStatusStop) {
  std::string address = "127.0.0.1:" + std::to_string(port_);
  CommandResult head = Photon({"start", "--head", "--port=" + std::to_string(port_), "--num-cpus=2",
                               "--object-store-memory=104857600", "--dashboard-port=0"});
  ASSERT_EQ(head.exit_code, 0) << head.output;
  EXPECT_NE(head.output.find("GCS:      " + address), std::string::npos) << head.output;
  EXPECT_NE(head.output.find("Dashboard: http://127.0.0.1:"), std::string::npos) << head.output;
  for (int i = 0; i < 2; i++) {
    CommandResult join = Photon({"start", "--address=" + address, "--num-cpus=1",
                                 "--object-store-memory=104857600", R"(--resources={"special": 1})"});
    ASSERT_EQ(join.exit_code, 0) << join.output;
  }
  CommandResult status = Photon({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("Alive:\n 3 nodes"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find(" 0.0/4.0 CPU\n"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find(" 0.0/2.0 special\n"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("(head)"), std::string::npos) << status.output;

  // The head's session: its token file is private to its owner, and it
  // records the ports.
  size_t at = head.output.find("Session:  ");
  ASSERT_NE(at, std::string::npos) << head.output;
  std::string session = head.output.substr(at + 10, head.output.find('\n', at) - at - 10);
  struct stat st;
  ASSERT_EQ(stat((session + "/token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream ports(session + "/ports");
  std::string first_line;
  std::getline(ports, first_line);
  EXPECT_EQ(first_line, "gcs=" + std::to_string(port_));

  // A second head on the same port names the port.
  CommandResult again = Photon({"start", "--head", "--port=" + std::to_string(port_), "--dashboard-port=0"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("port " + std::to_string(port_) + " is already in use"), std::string::npos)
      << again.output;

  CommandResult stop = Photon({"stop"});
  ASSERT_EQ(stop.exit_code, 0) << stop.output;
  // GCS, dashboard and three raylets.
  EXPECT_NE(stop.output.find("Stopped 5 Photon processes"), std::string::npos) << stop.output;
  CommandResult after = Photon({"status"});
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_NE(after.output.find("did not answer"), std::string::npos) << after.output;
  EXPECT_NE(Photon({"stop"}).output.find("No Photon processes"), std::string::npos);
}

TEST_F(CliTest, WrongUsageExitsTwoWithUsage) {
  CommandResult neither = Photon({"start"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.output.find("give exactly one of --head or --address"), std::string::npos);
  EXPECT_NE(neither.output.find("usage: photon start"), std::string::npos);
  CommandResult bad_number = Photon({"start", "--head", "--num-cpus=lots"});
  EXPECT_EQ(bad_number.exit_code, 2);
  EXPECT_NE(bad_number.output.find("--num-cpus expects a number, got 'lots'"), std::string::npos);
  CommandResult unknown = Photon({"launch"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown command 'launch'"), std::string::npos);
  CommandResult no_session = Photon({"status"});
  EXPECT_EQ(no_session.exit_code, 1);
  EXPECT_NE(no_session.output.find("photon start --head"), std::string::npos) << no_session.output;
}

TEST_F(CliTest, JoiningWithoutATokenIsExplained) {
  CommandResult join = RunCommand({PhotonBinary("cli/photon"), "start", "--address=127.0.0.1:1"},
                                  {{"PHOTON_TMPDIR", tmpdir_ + "-empty"}});
  EXPECT_EQ(join.exit_code, 1);
  EXPECT_NE(join.output.find("no cluster token"), std::string::npos) << join.output;
}

TEST_F(CliTest, MalformedResourcesStopTheStartWithTheReason) {
  CommandResult head = Photon({"start", "--head", "--port=" + std::to_string(port_),
                               "--resources={\"gpu_x\": -1}", "--dashboard-port=0"});
  EXPECT_EQ(head.exit_code, 1);
  EXPECT_NE(head.output.find("resource 'gpu_x' must be >= 0"), std::string::npos) << head.output;
  // Nothing is left running.
  EXPECT_NE(Photon({"stop"}).output.find("No Photon processes"), std::string::npos);
}

}  // namespace
}  // namespace testing
}  // namespace photon
