#include "core/rpc/raylet_client.h"

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

#include "core/rpc/client_cache.h"
#include "core/rpc/grpc_server.h"
#include "gtest/gtest.h"

namespace photon {
namespace rpc {
namespace {

using std::chrono::milliseconds;

// A raylet on the test's server loop: grants every lease, answers
// ReturnWorker UNAVAILABLE, refuses RegisterWorker, and holds HealthCheck
// and PullObject calls (unanswered) while `hold` is set.
class FakeRaylet : public RayletService::CallbackService {
 public:
  explicit FakeRaylet(GrpcServer& server) : server_(server) {}

  grpc::ServerUnaryReactor* HealthCheck(grpc::CallbackServerContext* ctx, const HealthCheckRequest* req,
                                        HealthCheckReply* reply) override {
    return ServeOnLoop(server_, "Fake.HealthCheck", ctx, req, reply,
                       [this](const HealthCheckRequest&, HealthCheckReply* out, ReplyFn done) {
                         out->set_node_id("node-7");
                         Answer(std::move(done));
                       });
  }
  grpc::ServerUnaryReactor* PullObject(grpc::CallbackServerContext* ctx, const PullObjectRequest* req,
                                       PullObjectReply* reply) override {
    return ServeOnLoop(server_, "Fake.PullObject", ctx, req, reply,
                       [this](const PullObjectRequest&, PullObjectReply* out, ReplyFn done) {
                         out->set_bytes(42);
                         Answer(std::move(done));
                       });
  }
  grpc::ServerUnaryReactor* RequestWorkerLease(grpc::CallbackServerContext* ctx,
                                               const RequestWorkerLeaseRequest* req,
                                               RequestWorkerLeaseReply* reply) override {
    return ServeSync(server_, "Fake.RequestWorkerLease", ctx, req, reply,
                     [](const RequestWorkerLeaseRequest&, RequestWorkerLeaseReply* out) {
                       out->set_lease_id(7);
                       out->mutable_worker()->set_ip("127.0.0.1");
                       out->mutable_worker()->set_port(4000);
                       out->mutable_worker()->set_node_id("node-7");
                       return absl::OkStatus();
                     });
  }
  grpc::ServerUnaryReactor* ReturnWorker(grpc::CallbackServerContext* ctx, const ReturnWorkerRequest* req,
                                         ReturnWorkerReply* reply) override {
    return ServeSync(server_, "Fake.ReturnWorker", ctx, req, reply,
                     [this](const ReturnWorkerRequest&, ReturnWorkerReply*) {
                       return_worker_calls++;
                       return absl::UnavailableError("draining");
                     });
  }
  grpc::ServerUnaryReactor* RegisterWorker(grpc::CallbackServerContext* ctx, const RegisterWorkerRequest* req,
                                           RegisterWorkerReply* reply) override {
    return ServeSync(server_, "Fake.RegisterWorker", ctx, req, reply,
                     [](const RegisterWorkerRequest&, RegisterWorkerReply*) {
                       return absl::NotFoundError("worker w was not started by this raylet");
                     });
  }
  grpc::ServerUnaryReactor* FreeObjects(grpc::CallbackServerContext* ctx, const FreeObjectsRequest* req,
                                        FreeObjectsReply* reply) override {
    return ServeSync(server_, "Fake.FreeObjects", ctx, req, reply,
                     [](const FreeObjectsRequest& r, FreeObjectsReply* out) {
                       out->set_deleted(r.object_ids_size());
                       return absl::OkStatus();
                     });
  }

  // Answers the held calls. REQUIRES: not on the server loop.
  void ReleaseHeld() {
    std::promise<void> released;
    server_.loop().Post("Fake.Release", [&] {
      hold = false;
      for (ReplyFn& done : held_) done(grpc::Status::OK);
      held_.clear();
      released.set_value();
    });
    released.get_future().wait();
  }

  std::atomic<bool> hold{false};
  std::atomic<int> return_worker_calls{0};

 private:
  void Answer(ReplyFn done) {
    if (hold) return held_.push_back(std::move(done));
    done(grpc::Status::OK);
  }

  GrpcServer& server_;
  std::vector<ReplyFn> held_;  // server loop only
};

class RayletClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_loop_.StartThread("server-loop");
    client_loop_.StartThread("client-loop");
    server_ = std::make_unique<GrpcServer>("raylet", GrpcServer::Options{"127.0.0.1", 0, "s3cret"}, server_loop_);
    raylet_ = std::make_unique<FakeRaylet>(*server_);
    server_->RegisterService(raylet_.get());
    ASSERT_TRUE(server_->Start().ok());
    address_ = "127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    raylet_->ReleaseHeld();
    server_->Shutdown();
    client_loop_.Stop();
    server_loop_.Stop();
  }

  // Waits for the outcome of an asynchronous call, checking it ran on the client loop.
  template <typename Reply>
  static absl::StatusOr<Reply> Await(EventLoop& loop, const std::function<void(ReplyCallback<Reply>)>& call) {
    std::promise<absl::StatusOr<Reply>> outcome;
    call([&](absl::StatusOr<Reply> reply) {
      EXPECT_TRUE(loop.InLoopThread());
      outcome.set_value(std::move(reply));
    });
    return outcome.get_future().get();
  }

  EventLoop server_loop_;
  EventLoop client_loop_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<FakeRaylet> raylet_;
  std::string address_;
};

TEST_F(RayletClientTest, AnAsyncCallCompletesOnTheLoopWithTheReply) {
  RayletClient client(client_loop_, address_, "s3cret");
  absl::StatusOr<RequestWorkerLeaseReply> lease = Await<RequestWorkerLeaseReply>(
      client_loop_, [&](auto done) { client.RequestWorkerLease(RequestWorkerLeaseRequest(), done); });
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_EQ(lease->lease_id(), 7);
  EXPECT_EQ(lease->worker().port(), 4000);
  EXPECT_EQ(lease->worker().node_id(), "node-7");
}

TEST_F(RayletClientTest, UnavailableIsRetriedThenReportedWithTheAddress) {
  RayletClient client(client_loop_, address_, "s3cret");
  absl::StatusOr<ReturnWorkerReply> returned = Await<ReturnWorkerReply>(
      client_loop_, [&](auto done) { client.ReturnWorker(ReturnWorkerRequest(), done); });
  EXPECT_EQ(returned.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(returned.status().message(), "Raylet.ReturnWorker to " + address_ + " failed: draining");
  EXPECT_EQ(raylet_->return_worker_calls, 3);  // ReturnWorker's policy: three attempts
}

TEST_F(RayletClientTest, ARayletThatIsNotThereIsNamedInTheError) {
  RayletClient client(client_loop_, "127.0.0.1:1", "s3cret");
  absl::StatusOr<HealthCheckReply> health =
      Await<HealthCheckReply>(client_loop_, [&](auto done) { client.HealthCheck(done); });
  EXPECT_EQ(health.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(health.status().message().find("Raylet.HealthCheck to 127.0.0.1:1 failed: "), std::string::npos)
      << health.status();
}

TEST_F(RayletClientTest, ADeadlineIsReportedAsDeadlineExceeded) {
  RayletClient::Options options;
  options.health_check_timeout = milliseconds(100);
  RayletClient client(client_loop_, address_, "s3cret", options);
  raylet_->hold = true;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<HealthCheckReply> health =
      Await<HealthCheckReply>(client_loop_, [&](auto done) { client.HealthCheck(done); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_EQ(health.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(health.status().message().find(address_), std::string::npos) << health.status();
}

TEST_F(RayletClientTest, AnErrorTheRayletAnsweredKeepsItsCodeAndMessage) {
  RayletClient client(client_loop_, address_, "s3cret");
  absl::StatusOr<RegisterWorkerReply> registered = client.RegisterWorkerAndWait(RegisterWorkerRequest());
  EXPECT_EQ(registered.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registered.status().message(), "worker w was not started by this raylet");
}

TEST_F(RayletClientTest, TheBlockingFormReturnsTheReplyWithoutTheLoopRunning) {
  EventLoop idle;  // never run: a blocking call does not need it
  RayletClient client(idle, address_, "s3cret");
  FreeObjectsRequest request;
  for (int i = 0; i < 3; i++) request.add_object_ids("object");
  absl::StatusOr<FreeObjectsReply> freed = client.FreeObjectsAndWait(request);
  ASSERT_TRUE(freed.ok()) << freed.status();
  EXPECT_EQ(freed->deleted(), 3);
}

TEST_F(RayletClientTest, APullsDeadlineFollowsItsTimeout) {
  RayletClient client(client_loop_, address_, "s3cret");
  raylet_->hold = true;
  PullObjectRequest request;
  request.set_timeout_ms(100);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<PullObjectReply> pulled = client.PullObjectAndWait(request);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(pulled.status().code(), absl::StatusCode::kDeadlineExceeded) << pulled.status();
  EXPECT_GE(took, milliseconds(1000));  // its timeout, plus the second the raylet has to say why
  EXPECT_LT(took, milliseconds(5000));
  raylet_->ReleaseHeld();
  absl::StatusOr<PullObjectReply> now = client.PullObjectAndWait(request);
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->bytes(), 42);
}

TEST(ClientCacheTest, OneClientPerAddress) {
  EventLoop loop;
  ClientCache<RayletClient> cache(loop, "t");
  RayletClient& a = cache.For("127.0.0.1:1");
  EXPECT_EQ(&cache.For("127.0.0.1:1"), &a);
  EXPECT_NE(&cache.For("127.0.0.1:2"), &a);
  EXPECT_EQ(cache.For("127.0.0.1:2").address(), "127.0.0.1:2");
}

}  // namespace
}  // namespace rpc
}  // namespace photon
