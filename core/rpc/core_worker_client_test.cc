#include "core/rpc/core_worker_client.h"

#include <future>

#include "core/rpc/grpc_server.h"
#include "gtest/gtest.h"

namespace photon {
namespace rpc {
namespace {

// An owner that knows one object ("ready") and has a borrower it refuses to drop.
class FakeOwner : public CoreWorkerService::CallbackService {
 public:
  explicit FakeOwner(GrpcServer& server) : server_(server) {}

  grpc::ServerUnaryReactor* GetObjectStatus(grpc::CallbackServerContext* ctx, const GetObjectStatusRequest* req,
                                            GetObjectStatusReply* reply) override {
    return ServeSync(server_, "Fake.GetObjectStatus", ctx, req, reply,
                     [](const GetObjectStatusRequest& r, GetObjectStatusReply* out) {
                       out->set_status(r.object_id() == "ready" ? GetObjectStatusReply::READY
                                                                : GetObjectStatusReply::FREED);
                       out->set_data("value");
                       return absl::OkStatus();
                     });
  }
  grpc::ServerUnaryReactor* RemoveBorrower(grpc::CallbackServerContext* ctx, const RemoveBorrowerRequest* req,
                                           RemoveBorrowerReply* reply) override {
    return ServeSync(server_, "Fake.RemoveBorrower", ctx, req, reply,
                     [](const RemoveBorrowerRequest&, RemoveBorrowerReply*) {
                       return absl::FailedPreconditionError("not a borrower");
                     });
  }

 private:
  GrpcServer& server_;
};

class CoreWorkerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_loop_.StartThread("server-loop");
    client_loop_.StartThread("client-loop");
    server_ = std::make_unique<GrpcServer>("owner", GrpcServer::Options{"127.0.0.1", 0, "s3cret"}, server_loop_);
    owner_ = std::make_unique<FakeOwner>(*server_);
    server_->RegisterService(owner_.get());
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<CoreWorkerClient>(client_loop_, "127.0.0.1:" + std::to_string(server_->port()),
                                                 "s3cret");
  }
  void TearDown() override {
    server_->Shutdown();
    client_loop_.Stop();
    server_loop_.Stop();
  }

  EventLoop server_loop_;
  EventLoop client_loop_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<FakeOwner> owner_;
  std::unique_ptr<CoreWorkerClient> client_;
};

TEST_F(CoreWorkerClientTest, GetObjectStatusCompletesOnTheLoopWithTheReply) {
  std::promise<absl::StatusOr<GetObjectStatusReply>> outcome;
  GetObjectStatusRequest request;
  request.set_object_id("ready");
  client_->GetObjectStatus(request, [&](absl::StatusOr<GetObjectStatusReply> reply) {
    EXPECT_TRUE(client_loop_.InLoopThread());
    outcome.set_value(std::move(reply));
  });
  absl::StatusOr<GetObjectStatusReply> status = outcome.get_future().get();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->status(), GetObjectStatusReply::READY);
  EXPECT_EQ(status->data(), "value");
}

TEST_F(CoreWorkerClientTest, TheOwnersErrorComesBackAsIs) {
  std::promise<absl::Status> outcome;
  client_->RemoveBorrower(RemoveBorrowerRequest(),
                          [&](absl::StatusOr<RemoveBorrowerReply> reply) { outcome.set_value(reply.status()); });
  absl::Status status = outcome.get_future().get();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "not a borrower");
}

TEST_F(CoreWorkerClientTest, AnUnimplementedMethodIsNotRetried) {
  // FakeOwner does not serve AddObjectLocation: UNIMPLEMENTED, not UNAVAILABLE.
  std::promise<absl::Status> outcome;
  client_->AddObjectLocation(AddObjectLocationRequest(), [&](absl::StatusOr<AddObjectLocationReply> reply) {
    outcome.set_value(reply.status());
  });
  EXPECT_EQ(outcome.get_future().get().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace rpc
}  // namespace photon
