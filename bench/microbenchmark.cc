// The C++ half of Photon's core microbenchmark. Metric names follow Ray's
// `ray microbenchmark`; each is printed beside a loopback TCP round trip
// measured in the same run, the reference the targets are stated against.
//
//   build/bin/microbenchmark            # starts a local cluster (2 CPUs)
//   PHOTON_ADDRESS=auto build/bin/microbenchmark   # or uses a running one
//
// This program is also its own job's worker (photon::Init never returns in
// a worker process).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/api/photon.h"

namespace {

using Clock = std::chrono::steady_clock;

int Noop() { return 0; }

// One client of multi_client_tasks_async: submits `n` tasks and waits for them.
int SubmitMany(int n) {
  std::vector<photon::ObjectRef<int>> refs;
  refs.reserve(n);
  for (int i = 0; i < n; i++) refs.push_back(photon::Task(Noop).SetResource("CPU", 0).Remote());
  photon::Get(refs);
  return n;
}

// The actor of the actor_calls metrics.
class Echo {
 public:
  static Echo* Create() { return new Echo(); }
  int Noop() { return 0; }
  int WithArg(int x) { return x; }
};

// One client of n_n_actor_calls_*: `n` calls spread over `actors`,
// optionally each with an object reference as its argument.
int CallActors(std::vector<photon::ActorHandle<Echo>> actors, int n, bool with_arg) {
  std::vector<photon::ObjectRef<int>> refs;
  refs.reserve(n);
  photon::ObjectRef<int> arg = photon::Put(1);
  for (int i = 0; i < n; i++) {
    auto& actor = actors[i % actors.size()];
    refs.push_back(with_arg ? actor.Task(&Echo::WithArg).Remote(arg) : actor.Task(&Echo::Noop).Remote());
  }
  photon::Get(refs);
  return n;
}

PHOTON_REMOTE(Noop, SubmitMany, Echo::Create, &Echo::Noop, &Echo::WithArg, CallActors);

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// A loopback TCP echo in a child process: the reference round trip.
// RoundTripMicros can be called between workloads, so a metric is compared
// with a reference measured under the same conditions.
class TcpEcho {
 public:
  TcpEcho() {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    listen(listener, 1);
    child_ = fork();
    if (child_ == 0) {
      int c = accept(listener, nullptr, nullptr);
      int one = 1;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      char b;
      while (recv(c, &b, 1, 0) == 1) send(c, &b, 1, 0);
      _exit(0);
    }
    close(listener);
    socket_ = socket(AF_INET, SOCK_STREAM, 0);
    connect(socket_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    int one = 1;
    setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    RoundTripMicros(1000);  // warm up
  }
  ~TcpEcho() {
    close(socket_);
    waitpid(child_, nullptr, 0);
  }
  // Mean round trip of `rounds` 1-byte ping-pongs.
  double RoundTripMicros(int rounds) {
    char b = 'x';
    auto start = Clock::now();
    for (int i = 0; i < rounds; i++) {
      send(socket_, &b, 1, 0);
      recv(socket_, &b, 1, 0);
    }
    return Seconds(start) * 1e6 / rounds;
  }

 private:
  pid_t child_ = -1;
  int socket_ = -1;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double MemcpyGigabytesPerSecond(size_t bytes) {
  std::vector<char> a(bytes, 1), b(bytes, 0);
  std::memcpy(b.data(), a.data(), bytes);  // fault the pages in
  auto start = Clock::now();
  std::memcpy(b.data(), a.data(), bytes);
  return bytes / Seconds(start) / 1e9;
}

void Print(const char* name, double value, const char* unit, const std::string& beside) {
  std::printf("%-36s %12.1f %-10s %s\n", name, value, unit, beside.c_str());
  std::fflush(stdout);
}

// Per call of `call`, alternating rounds with TCP round trips so both are
// measured under the same load; prints the median call over the median TCP
// round trip and the spread of the per-round ratios.
void SyncAgainstTcp(const char* name, const char* noun, TcpEcho& echo, const std::function<void()>& call) {
  const int rounds = 7, n = 3000;
  std::vector<double> per_call, tcp, ratio;
  for (int r = 0; r < rounds; r++) {
    tcp.push_back(echo.RoundTripMicros(n));
    auto start = Clock::now();
    for (int i = 0; i < n; i++) call();
    per_call.push_back(Seconds(start) * 1e6 / n);
    ratio.push_back(per_call.back() / tcp.back());
  }
  char line[200];
  std::snprintf(line, sizeof(line),
                "(%.1f us per %s / TCP %.1f us = %.2fx, medians of %d rounds; per round %.2f-%.2fx; target <= 3x)",
                Median(per_call), noun, Median(tcp), Median(per_call) / Median(tcp), rounds,
                *std::min_element(ratio.begin(), ratio.end()), *std::max_element(ratio.begin(), ratio.end()));
  Print(name, 1e6 / Median(per_call), noun == std::string("task") ? "tasks/s" : "calls/s", line);
}

void TasksAsync() {
  const int n = 100000;
  auto start = Clock::now();
  std::vector<photon::ObjectRef<int>> refs;
  refs.reserve(n);
  for (int i = 0; i < n; i++) refs.push_back(photon::Task(Noop).Remote());
  const double submitted = Seconds(start);
  photon::Get(refs);
  const double s = Seconds(start);
  char line[200];
  std::snprintf(line, sizeof(line), "(target >= 50,000; %.1f us per task; submitting took %.2f s)", s * 1e6 / n,
                submitted);
  Print("single_client_tasks_async", n / s, "tasks/s", line);
}

void TasksAndGetBatch() {
  const int batches = 20, batch = 1000;
  auto start = Clock::now();
  for (int b = 0; b < batches; b++) {
    std::vector<photon::ObjectRef<int>> refs;
    for (int i = 0; i < batch; i++) refs.push_back(photon::Task(Noop).Remote());
    photon::Get(refs);
  }
  char line[200];
  std::snprintf(line, sizeof(line), "(batches of %d submitted, then got)", batch);
  Print("single_client_tasks_and_get_batch", batches / Seconds(start), "batches/s", line);
}

void PutAndGetCalls() {
  const int n = 100000;
  std::vector<photon::ObjectRef<int>> refs;
  refs.reserve(n);
  auto start = Clock::now();
  for (int i = 0; i < n; i++) refs.push_back(photon::Put(i));
  const double s = Seconds(start);
  char line[200];
  std::snprintf(line, sizeof(line), "(%.2f us per put)", s * 1e6 / n);
  Print("single_client_put_calls", n / s, "puts/s", line);
  start = Clock::now();
  int64_t total = 0;
  for (int i = 0; i < n; i++) total += photon::Get(refs[i]);
  const double g = Seconds(start);
  std::snprintf(line, sizeof(line), "(%.2f us per get; checksum %lld)", g * 1e6 / n, static_cast<long long>(total));
  Print("single_client_get_calls", n / g, "gets/s", line);
}

void PutGigabytes() {
  const size_t bytes = 100 << 20;
  const std::string payload(bytes, 'p');
  const int n = 10;
  photon::Put(payload);  // warm the store's pages
  auto start = Clock::now();
  for (int i = 0; i < n; i++) photon::Put(payload);
  const double gbps = n * bytes / Seconds(start) / 1e9;
  const double memcpy_gbps = MemcpyGigabytesPerSecond(bytes);
  char line[200];
  std::snprintf(line, sizeof(line), "(memcpy %.1f GB/s in this run: %.2fx)", memcpy_gbps, gbps / memcpy_gbps);
  Print("single_client_put_gigabytes", gbps, "GB/s", line);
}

void MultiClientTasksAsync() {
  const int clients = 2, per_client = 20000;
  auto start = Clock::now();
  std::vector<photon::ObjectRef<int>> refs;
  for (int c = 0; c < clients; c++) refs.push_back(photon::Task(SubmitMany).Remote(per_client));
  photon::Get(refs);
  char line[200];
  std::snprintf(line, sizeof(line), "(%d clients, each a task submitting %d tasks)", clients, per_client);
  Print("multi_client_tasks_async", clients * per_client / Seconds(start), "tasks/s", line);
}

void ActorCallsSync(TcpEcho& echo) {
  auto actor = photon::Actor(Echo::Create).Remote();
  photon::Get(actor.Task(&Echo::Noop).Remote());  // created and connected
  SyncAgainstTcp("1_1_actor_calls_sync", "call", echo, [&] { photon::Get(actor.Task(&Echo::Noop).Remote()); });
  actor.Kill();
}

void ActorCallsAsync(const char* name, int max_concurrency, const char* note) {
  auto actor = photon::Actor(Echo::Create).SetMaxConcurrency(max_concurrency).Remote();
  photon::Get(actor.Task(&Echo::Noop).Remote());
  const int n = 100000;
  std::vector<photon::ObjectRef<int>> refs;
  refs.reserve(n);
  auto start = Clock::now();
  for (int i = 0; i < n; i++) refs.push_back(actor.Task(&Echo::Noop).Remote());
  photon::Get(refs);
  const double s = Seconds(start);
  char line[200];
  std::snprintf(line, sizeof(line), "(%s; %.1f us per call)", note, s * 1e6 / n);
  Print(name, n / s, "calls/s", line);
  actor.Kill();
}

std::vector<photon::ActorHandle<Echo>> StartActors(int count) {
  std::vector<photon::ActorHandle<Echo>> actors;
  for (int a = 0; a < count; a++) actors.push_back(photon::Actor(Echo::Create).Remote());
  for (auto& a : actors) photon::Get(a.Task(&Echo::Noop).Remote());
  return actors;
}

void OneToNActorCalls() {
  std::vector<photon::ActorHandle<Echo>> actors = StartActors(2);
  const int n = 100000;
  std::vector<photon::ObjectRef<int>> refs;
  refs.reserve(n);
  auto start = Clock::now();
  for (int i = 0; i < n; i++) refs.push_back(actors[i % actors.size()].Task(&Echo::Noop).Remote());
  photon::Get(refs);
  char line[200];
  std::snprintf(line, sizeof(line), "(one caller, %zu actors)", actors.size());
  Print("1_n_actor_calls_async", n / Seconds(start), "calls/s", line);
  for (auto& a : actors) a.Kill();
}

void NToNActorCalls(const char* name, bool with_arg) {
  std::vector<photon::ActorHandle<Echo>> actors = StartActors(2);
  const int clients = 2, per_client = 20000;
  auto start = Clock::now();
  std::vector<photon::ObjectRef<int>> done;
  for (int c = 0; c < clients; c++) {
    done.push_back(photon::Task(CallActors).SetResource("CPU", 0).Remote(actors, per_client, with_arg));
  }
  photon::Get(done);
  char line[200];
  std::snprintf(line, sizeof(line), "(%d callers (tasks) x %zu actors%s)", clients, actors.size(),
                with_arg ? ", an object reference as argument" : "");
  Print(name, clients * per_client / Seconds(start), "calls/s", line);
  for (auto& a : actors) a.Kill();
}

void PlacementGroups() {
  // Ray's workload: create a batch of groups, wait for each, remove each.
  auto round = [](int n) {
    std::vector<photon::PlacementGroup> groups;
    for (int i = 0; i < n; i++) groups.push_back(photon::CreatePlacementGroup({{{"CPU", 0.001}}}));
    for (auto& g : groups) g.Wait(-1);
    for (auto& g : groups) photon::RemovePlacementGroup(g);
  };
  round(10);  // warm up (and let the leases of the task metrics above go)
  const int n = 1000;
  auto start = Clock::now();
  round(n);
  const double s = Seconds(start);
  char line[200];
  std::snprintf(line, sizeof(line), "(target >= 1,000; %d groups created, waited for, removed in %.2f s)", n, s);
  Print("placement_group_create/removal", n / s, "groups/s", line);
}

void Wait1kRefs() {
  const int rounds = 10;
  double total = 0;
  for (int r = 0; r < rounds; r++) {
    std::vector<photon::ObjectRef<int>> refs;
    for (int i = 0; i < 1000; i++) refs.push_back(photon::Task(Noop).Remote());
    auto start = Clock::now();
    photon::Wait(refs, 1000);
    total += Seconds(start);
    photon::Get(refs);
  }
  Print("single_client_wait_1k_refs", rounds / total, "waits/s", "(waits for 1,000 just-submitted tasks)");
}

void WarmUp() {
  // Start the workers and open their leases.
  photon::Get(photon::Task(Noop).Remote());
  std::vector<photon::ObjectRef<int>> warm;
  for (int i = 0; i < 20000; i++) warm.push_back(photon::Task(Noop).Remote());
  photon::Get(warm);
}

}  // namespace

int main(int argc, char** argv) {
  // An argument runs only the metrics whose names contain it.
  const std::string only = argc > 1 ? argv[1] : "";
  photon::Config config;
  config.num_cpus = 2;
  config.object_store_memory = int64_t{1} << 30;
  photon::Init(config);
  TcpEcho echo;
  std::printf("reference: loopback TCP round trip %.1f us (two processes, 1 byte each way)\n\n",
              echo.RoundTripMicros(20000));
  WarmUp();
  // In this order (earlier metrics leave leases the later ones reuse).
  const std::vector<std::pair<std::string, std::function<void()>>> metrics = {
      {"single_client_tasks_sync",
       [&] { SyncAgainstTcp("single_client_tasks_sync", "task", echo, [] { photon::Get(photon::Task(Noop).Remote()); }); }},
      {"single_client_tasks_async", TasksAsync},
      {"single_client_tasks_and_get_batch", TasksAndGetBatch},
      {"single_client_put_calls single_client_get_calls", PutAndGetCalls},
      {"single_client_put_gigabytes", PutGigabytes},
      {"multi_client_tasks_async", MultiClientTasksAsync},
      {"1_1_actor_calls_sync", [&] { ActorCallsSync(echo); }},
      {"1_1_actor_calls_async", [] { ActorCallsAsync("1_1_actor_calls_async", 1, "target >= 50,000"); }},
      {"1_1_actor_calls_concurrent", [] { ActorCallsAsync("1_1_actor_calls_concurrent", 16, "max_concurrency 16"); }},
      {"1_n_actor_calls_async", OneToNActorCalls},
      {"n_n_actor_calls_async", [] { NToNActorCalls("n_n_actor_calls_async", false); }},
      {"n_n_actor_calls_with_arg_async", [] { NToNActorCalls("n_n_actor_calls_with_arg_async", true); }},
      {"placement_group_create/removal", PlacementGroups},
      {"single_client_wait_1k_refs", Wait1kRefs},
  };
  for (const auto& [names, measure] : metrics) {
    if (only.empty() || names.find(only) != std::string::npos) measure();
  }
  photon::Shutdown();
  return 0;
}
