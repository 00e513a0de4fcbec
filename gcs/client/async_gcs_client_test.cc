#include "gcs/client/async_gcs_client.h"

#include <atomic>
#include <future>

#include "core/rpc/grpc_server.h"
#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

// A GCS that registers any node but one without an id, and counts reports.
class FakeNodes : public rpc::NodeInfoGcsService::CallbackService {
 public:
  explicit FakeNodes(rpc::GrpcServer& server) : server_(server) {}
  grpc::ServerUnaryReactor* RegisterNode(grpc::CallbackServerContext* ctx, const rpc::RegisterNodeRequest* req,
                                         rpc::RegisterNodeReply* reply) override {
    return rpc::ServeSync(server_, "Fake.RegisterNode", ctx, req, reply,
                          [](const rpc::RegisterNodeRequest& r, rpc::RegisterNodeReply*) {
                            if (r.node().node_id().empty()) return absl::InvalidArgumentError("node without an id");
                            return absl::OkStatus();
                          });
  }

 private:
  rpc::GrpcServer& server_;
};

class AsyncGcsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_loop_.StartThread("server-loop");
    client_loop_.StartThread("client-loop");
    server_ = std::make_unique<rpc::GrpcServer>("gcs", rpc::GrpcServer::Options{"127.0.0.1", 0, "s3cret"},
                                                server_loop_);
    nodes_ = std::make_unique<FakeNodes>(*server_);
    server_->RegisterService(nodes_.get());
    ASSERT_TRUE(server_->Start().ok());
    address_ = "127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    server_->Shutdown();
    client_loop_.Stop();
    server_loop_.Stop();
  }

  absl::Status Register(AsyncGcsClient& gcs, const std::string& node_id) {
    std::promise<absl::Status> outcome;
    rpc::RegisterNodeRequest request;
    request.mutable_node()->set_node_id(node_id);
    gcs.RegisterNode(request, [&](absl::StatusOr<rpc::RegisterNodeReply> reply) {
      EXPECT_TRUE(client_loop_.InLoopThread());
      outcome.set_value(reply.status());
    });
    return outcome.get_future().get();
  }

  EventLoop server_loop_;
  EventLoop client_loop_;
  std::unique_ptr<rpc::GrpcServer> server_;
  std::unique_ptr<FakeNodes> nodes_;
  std::string address_;
};

TEST_F(AsyncGcsClientTest, RegisterNodeCompletesOnTheLoop) {
  AsyncGcsClient gcs(client_loop_, AsyncGcsClient::Options{address_, "s3cret"});
  EXPECT_TRUE(Register(gcs, "n1").ok());
  absl::Status refused = Register(gcs, "");
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.message(), "node without an id");
}

TEST_F(AsyncGcsClientTest, AWrongTokenIsRefused) {
  AsyncGcsClient gcs(client_loop_, AsyncGcsClient::Options{address_, "guess"});
  EXPECT_EQ(Register(gcs, "n1").code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AsyncGcsClientTest, AGcsThatIsDownIsNamedInTheError) {
  AsyncGcsClient gcs(client_loop_, AsyncGcsClient::Options{"127.0.0.1:1", "s3cret"});
  std::promise<absl::Status> outcome;
  gcs.PublishWorkerLogs(rpc::PublishWorkerLogsRequest(), [&](absl::StatusOr<rpc::PublishWorkerLogsReply> reply) {
    outcome.set_value(reply.status());
  });
  absl::Status down = outcome.get_future().get();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(down.message().find("Gcs.PublishWorkerLogs to 127.0.0.1:1 failed: "), std::string::npos) << down;
}

}  // namespace
}  // namespace gcs
}  // namespace photon
