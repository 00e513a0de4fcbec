#include "core/rpc/grpc_server.h"

#include <future>

#include "core/rpc/client_call.h"
#include "core/rpc/raylet_client.h"
#include "gtest/gtest.h"
#include "proto/raylet.grpc.pb.h"

namespace photon {
namespace rpc {
namespace {

// Answers HealthCheck on the loop with a fixed node id.
class EchoService : public RayletService::CallbackService {
 public:
  explicit EchoService(GrpcServer& server) : server_(server) {}
  grpc::ServerUnaryReactor* HealthCheck(grpc::CallbackServerContext* ctx,
                                        const HealthCheckRequest* req,
                                        HealthCheckReply* reply) override {
    return ServeSync(server_, "Test.HealthCheck", ctx, req, reply,
                     [this](const HealthCheckRequest&, HealthCheckReply* r) {
                       EXPECT_TRUE(server_.loop().InLoopThread());
                       r->set_node_id("node-1");
                       return absl::OkStatus();
                     });
  }

 private:
  GrpcServer& server_;
};

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_.StartThread("test-loop");
    server_ = std::make_unique<GrpcServer>("test", GrpcServer::Options{"127.0.0.1", 0, "s3cret"}, loop_);
    service_ = std::make_unique<EchoService>(*server_);
    server_->RegisterService(service_.get());
    ASSERT_TRUE(server_->Start().ok());
    stub_ = RayletService::NewStub(MakeChannel("127.0.0.1:" + std::to_string(server_->port())));
  }
  void TearDown() override {
    server_->Shutdown();
    loop_.Stop();
  }
  grpc::Status Call(const std::string* token, HealthCheckReply* reply) {
    grpc::ClientContext ctx;
    if (token != nullptr) SetAuthToken(&ctx, *token);
    return stub_->HealthCheck(&ctx, HealthCheckRequest(), reply);
  }

  EventLoop loop_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<EchoService> service_;
  std::unique_ptr<RayletService::Stub> stub_;
};

TEST_F(GrpcServerTest, RightTokenIsServedOnTheLoop) {
  std::string token = "s3cret";
  HealthCheckReply reply;
  grpc::Status s = Call(&token, &reply);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(reply.node_id(), "node-1");
}

TEST_F(GrpcServerTest, MissingOrWrongTokenIsRefused) {
  HealthCheckReply reply;
  grpc::Status missing = Call(nullptr, &reply);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(missing.error_message().find("missing cluster token"), std::string::npos);
  std::string wrong = "guess";
  grpc::Status bad = Call(&wrong, &reply);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(bad.error_message(), "wrong cluster token");
}

TEST_F(GrpcServerTest, SecondServerOnTheSamePortNamesThePort) {
  GrpcServer other("other", GrpcServer::Options{"127.0.0.1", server_->port(), "x"}, loop_);
  absl::Status s = other.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("port " + std::to_string(server_->port())), std::string::npos)
      << s.message();
}

TEST_F(GrpcServerTest, AsyncCallCompletesOnTheCallersLoop) {
  EventLoop client_loop;
  client_loop.StartThread("client-loop");
  std::promise<absl::StatusOr<std::string>> result;
  RayletClient raylet(client_loop, "127.0.0.1:" + std::to_string(server_->port()), "s3cret");
  raylet.HealthCheck([&](absl::StatusOr<HealthCheckReply> reply) {
    EXPECT_TRUE(client_loop.InLoopThread());
    if (!reply.ok()) return result.set_value(reply.status());
    result.set_value(reply->node_id());
  });
  absl::StatusOr<std::string> node = result.get_future().get();
  client_loop.Stop();
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(*node, "node-1");
}

TEST(RetryTest, UnavailablePeerIsRetriedThenReported) {
  // Nothing listens on this port: every attempt is UNAVAILABLE.
  auto stub = RayletService::NewStub(MakeChannel("127.0.0.1:1"));
  int attempts = 0;
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = std::chrono::milliseconds(1);
  grpc::Status s = CallWithRetry("t", policy, [&](grpc::ClientContext* ctx) {
    attempts++;
    HealthCheckReply reply;
    return stub->HealthCheck(ctx, HealthCheckRequest(), &reply);
  });
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(attempts, 3);
}

}  // namespace
}  // namespace rpc
}  // namespace photon
