// GCS over real gRPC: internal KV put/get per second (beside Redis SET/GET
// through hiredis on the same machine, as a reference), and 1,000 simulated
// nodes registering and heartbeating against one GCS, with the GCS's CPU
// share and resident memory.
//
//   bazel run -c opt //bench:gcs_bench            (or build/bin/gcs_bench)
//
// Prints figures; asserts nothing.

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "core/common/binaries.h"
#include "core/common/event_loop.h"
#include "core/common/free_port.h"
#include "core/common/process.h"
#include "core/common/session.h"
#include "core/rpc/grpc_server.h"
#include "gcs/client/gcs_client.h"
#include "gcs/store/redis_server_for_test.h"
#include "proto/raylet.grpc.pb.h"

namespace photon {
namespace bench {
namespace {

// One photon-gcs process for the whole run.
class GcsProcess {
 public:
  static GcsProcess& Get() {
    static GcsProcess* gcs = new GcsProcess();
    return *gcs;
  }
  gcs::GcsClient& client() { return *client_; }
  const std::string& token() const { return token_; }
  int pid() const { return pid_; }

  // Seconds of CPU (user + system) the GCS has used.
  double CpuSeconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(content.substr(content.rfind(')') + 2));
    std::string f;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; i++) {
      if (i == 14) utime = std::stol(f);
      if (i == 15) stime = std::stol(f);
    }
    return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
  }
  double RssMiB() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
  }

 private:
  GcsProcess() {
    token_ = *Session::GenerateToken();
    absl::StatusOr<int> port = PickFreePort();
    absl::StatusOr<std::string> binary = FindPhotonBinary("photon-gcs");
    if (!port.ok() || !binary.ok()) {
      std::cerr << (port.ok() ? binary.status() : port.status()).message() << "\n";
      std::exit(1);
    }
    SpawnOptions gcs;
    gcs.argv = {*binary, absl::StrCat("--port=", *port), "--host=127.0.0.1"};
    gcs.env = {{"PHOTON_CLUSTER_TOKEN", token_}, {"PHOTON_LOG_LEVEL", "error"}};
    gcs.die_with_parent = true;
    absl::StatusOr<pid_t> pid = Spawn(gcs);
    if (!pid.ok()) {
      std::cerr << pid.status().message() << "\n";
      std::exit(1);
    }
    pid_ = *pid;
    client_ = std::make_unique<gcs::GcsClient>(
        gcs::GcsClient::Options{absl::StrCat("127.0.0.1:", *port), token_, rpc::RetryPolicy{}});
    for (int i = 0; i < 200 && !client_->GetAllNodes().ok(); i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::string token_;
  int pid_ = -1;
  std::unique_ptr<gcs::GcsClient> client_;
};

void BM_GcsKvPut(benchmark::State& state) {
  gcs::GcsClient& client = GcsProcess::Get().client();
  std::string value(static_cast<size_t>(state.range(0)), 'v');
  int64_t i = state.thread_index() * 1000000000LL;
  for (auto _ : state) {
    auto added = client.KvPut("bench", absl::StrCat("key-", i++), value, true);
    if (!added.ok()) state.SkipWithError(std::string(added.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GcsKvPut)->Arg(64)->Threads(1)->Threads(4)->UseRealTime();

void BM_GcsKvGet(benchmark::State& state) {
  gcs::GcsClient& client = GcsProcess::Get().client();
  (void)client.KvPut("bench", "hot-key", std::string(64, 'v'), true);
  for (auto _ : state) {
    auto value = client.KvGet("bench", "hot-key");
    if (!value.ok()) state.SkipWithError(std::string(value.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GcsKvGet)->Threads(1)->Threads(4)->UseRealTime();

// Reference: the same operations against redis-server through hiredis, one
// synchronous client per thread (what Ray's GCS-on-Redis pays per write).
gcs::RedisServerForTest* Redis() {
  // Destroyed at exit: the server stops and its directory goes.
  static std::unique_ptr<gcs::RedisServerForTest> redis = [] {
    auto started = gcs::RedisServerForTest::Start();
    return started.ok() ? std::move(*started) : nullptr;
  }();
  return redis.get();
}

void BM_ReferenceRedisSet(benchmark::State& state) {
  if (Redis() == nullptr) {
    state.SkipWithError("redis-server not available");
    return;
  }
  redisContext* c = redisConnect("127.0.0.1", Redis()->port());
  std::string value(64, 'v');
  int64_t i = state.thread_index() * 1000000000LL;
  for (auto _ : state) {
    std::string key = absl::StrCat("key-", i++);
    auto* reply = static_cast<redisReply*>(
        redisCommand(c, "HSET bench %b %b", key.data(), key.size(), value.data(), value.size()));
    freeReplyObject(reply);
  }
  redisFree(c);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReferenceRedisSet)->Threads(1)->Threads(4)->UseRealTime();

void BM_ReferenceRedisGet(benchmark::State& state) {
  if (Redis() == nullptr) {
    state.SkipWithError("redis-server not available");
    return;
  }
  redisContext* c = redisConnect("127.0.0.1", Redis()->port());
  freeReplyObject(redisCommand(c, "HSET bench hot-key %s", "value"));
  for (auto _ : state) freeReplyObject(redisCommand(c, "HGET bench hot-key"));
  redisFree(c);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReferenceRedisGet)->Threads(1)->Threads(4)->UseRealTime();

// Answers the GCS's health checks for every simulated node (they share one
// address), as 1,000 real raylets would.
class FakeRaylets : public rpc::RayletService::CallbackService {
 public:
  explicit FakeRaylets(const std::string& token)
      : server_("fake-raylets", rpc::GrpcServer::Options{"127.0.0.1", 0, token}, loop_) {
    server_.RegisterService(this);
    if (!server_.Start().ok()) std::exit(1);
    loop_.StartThread("fake-raylets");
  }
  ~FakeRaylets() override {
    server_.Shutdown();
    loop_.Stop();
  }
  int port() const { return server_.port(); }
  grpc::ServerUnaryReactor* HealthCheck(grpc::CallbackServerContext* ctx,
                                        const rpc::HealthCheckRequest* req,
                                        rpc::HealthCheckReply* reply) override {
    probes++;
    return rpc::ServeSync(server_, "Fake.HealthCheck", ctx, req, reply,
                          [](const rpc::HealthCheckRequest&, rpc::HealthCheckReply*) {
                            return absl::OkStatus();
                          });
  }
  std::atomic<int64_t> probes{0};

 private:
  EventLoop loop_;
  rpc::GrpcServer server_;
};

// 1,000 nodes register, then each reports its resources once a second (the
// raylet default) for `seconds`, from a few client threads. Counters give the
// GCS's CPU share over the heartbeat phase and its resident memory.
void BM_ThousandNodesHeartbeat(benchmark::State& state) {
  constexpr int kNodes = 1000;
  constexpr int kThreads = 8;
  const int seconds = static_cast<int>(state.range(0));
  GcsProcess& gcs = GcsProcess::Get();
  FakeRaylets raylets(gcs.token());
  for (auto _ : state) {
    std::vector<NodeID> ids;
    for (int i = 0; i < kNodes; i++) ids.push_back(NodeID::FromRandom());
    auto start = std::chrono::steady_clock::now();
    std::atomic<int> failures{0};
    auto run = [&](auto per_node) {
      std::vector<std::thread> threads;
      for (int t = 0; t < kThreads; t++) {
        threads.emplace_back([&, t] {
          for (int i = t; i < kNodes; i += kThreads) per_node(i);
        });
      }
      for (auto& th : threads) th.join();
    };
    run([&](int i) {
      rpc::GcsNodeInfo info;
      info.set_node_id(ids[i].Binary());
      info.set_node_ip("127.0.0.1");
      info.set_raylet_port(raylets.port());
      (*info.mutable_resources_total()->mutable_amounts())["CPU"] = 16;
      if (!gcs.client().RegisterNode(info).ok()) failures++;
    });
    double register_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    double cpu0 = gcs.CpuSeconds();
    auto hb_start = std::chrono::steady_clock::now();
    int64_t probes0 = raylets.probes;
    std::atomic<int64_t> reports{0};
    for (int s = 0; s < seconds; s++) {
      auto second_start = std::chrono::steady_clock::now();
      run([&](int i) {
        rpc::ResourceUsage usage;
        usage.set_node_id(ids[i].Binary());
        (*usage.mutable_total()->mutable_amounts())["CPU"] = 16;
        (*usage.mutable_available()->mutable_amounts())["CPU"] = (s + i) % 17;
        if (gcs.client().ReportResourceUsage(usage).ok()) reports++;
        else failures++;
      });
      std::this_thread::sleep_until(second_start + std::chrono::seconds(1));
    }
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - hb_start).count();
    double cpu = gcs.CpuSeconds() - cpu0;
    state.counters["register_s"] = register_s;
    state.counters["reports_per_s"] = reports / wall;
    state.counters["health_probes_per_s"] = (raylets.probes - probes0) / wall;
    state.counters["gcs_cpu_percent"] = 100.0 * cpu / wall;
    state.counters["gcs_rss_MiB"] = gcs.RssMiB();
    state.counters["failures"] = failures.load();
    // Leave the table as we found it for the next repetition.
    for (const NodeID& id : ids) (void)gcs.client().UnregisterNode(id, "benchmark done");
  }
}
BENCHMARK(BM_ThousandNodesHeartbeat)->Arg(5)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace bench
}  // namespace photon

BENCHMARK_MAIN();
