#pragma once

// Raylet: the node daemon. It runs the node's object store (shared memory,
// spilling, transfers to and from other nodes), joins the cluster and keeps
// the GCS informed:
//   - serves RayletService (health, stats, worker leases, placement group
//     bundles, object pulls and frees) on its loop;
//   - samples the machine's CPU and memory every second (NodeUsageSampler)
//     for its node stats, and hands them to its Prometheus endpoint
//     (MetricsServer, on a thread of its own) when it has one;
//   - registers its node with the GCS, retrying until the GCS answers;
//   - reports its resources every `report_period`;
//   - survives a GCS restart: while the GCS is unreachable it keeps running,
//     and once it is back it registers again with the same NodeID;
//   - on Stop, unregisters (bounded wait) so the node is DEAD at once;
//   - forwards what its workers print to the GCS (LogMonitor), which
//     publishes it to the jobs' drivers;
//   - reports each worker (and watched driver) that exits to the GCS; a
//     report the GCS did not get because it was away is sent again once
//     the node is registered again.
// A GCS that refuses the node for good (it was declared DEAD, or the
// registration is malformed) makes the raylet call `on_fatal`.
//
//   EventLoop loop;
//   Raylet raylet(options, loop);
//   RETURN_IF_ERROR(raylet.Start());
//   loop.StartThread("raylet-loop");
//   ...
//   raylet.Stop();
//
// Runs only on the raylet loop (Start and Stop excepted, see their comments).

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/common/event_loop.h"
#include "core/common/id.h"
#include "core/rpc/grpc_server.h"
#include "gcs/client/async_gcs_client.h"
#include "object_store/object_manager.h"
#include "object_store/store_server.h"
#include "object_store/transfer_server.h"
#include "proto/raylet.grpc.pb.h"
#include "raylet/log_monitor.h"
#include "raylet/metrics_server.h"
#include "raylet/node_scheduler.h"
#include "raylet/node_usage_sampler.h"

namespace photon {
namespace raylet {

class Raylet {
 public:
  struct Options {
    std::string gcs_address;  // HOST:PORT
    std::string token;
    // The address other nodes and the GCS reach this raylet at.
    std::string node_ip = "127.0.0.1";
    // gRPC port; 0 picks a free one.
    int port = 0;
    NodeID node_id = NodeID::FromRandom();
    rpc::ResourceSet resources;
    std::string session_dir;
    // Where workers' output files (and their own logs) go. Empty:
    // <session_dir>/logs, or, without a session_dir, the raylet's own
    // stdout (and then nothing reaches drivers).
    std::string worker_log_dir;
    bool is_head = false;
    std::chrono::milliseconds report_period{1000};
    // The object store: its size is the node's object_store_memory resource.
    std::string store_socket;
    std::string spill_dir;
    int object_manager_port = 0;
    // Task worker processes at most (NodeScheduler::Options::max_workers).
    int max_workers = 0;
    // Port of GET /metrics (Prometheus text); 0: none. Start fails when it
    // is taken.
    int metrics_export_port = 0;
    // Labels the node registers with (GcsNodeInfo.labels).
    std::map<std::string, std::string> labels;
    // Called (on the loop) when the GCS refuses this node for good.
    std::function<void(const absl::Status&)> on_fatal;
  };

  Raylet(Options options, EventLoop& loop);
  ~Raylet();

  // Binds the gRPC port and starts registering. Call before the loop runs.
  absl::Status Start();
  // Unregisters (waits up to `timeout`), then stops the server. Call from
  // outside the loop while it still runs.
  void Stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

  const NodeID& node_id() const { return options_.node_id; }
  int port() const { return server_ ? server_->port() : 0; }
  int object_manager_port() const { return transfers_ ? transfers_->port() : 0; }
  int metrics_export_port() const { return metrics_ ? metrics_->port() : 0; }

 private:
  class Service;

  void Register();
  void OnRegistered(const absl::Status& status);
  void Report();
  void OnReported(const absl::Status& status);
  // Drivers on this node, by pid: their exit is reported to the GCS.
  absl::Status WatchDriver(const rpc::WatchDriverRequest& driver);
  // DrainNode: accepted only while idle; then the node offers nothing until
  // work reaches it anyway (which ends the drain) or it is stopped.
  rpc::DrainNodeReply Drain(const rpc::DrainNodeRequest& request);
  // Updates idle_since_ and ends a drain the node got work during.
  void TrackIdle();
  // What keeps the node from being idle, "" when nothing does.
  std::string BusyReason() const;
  void CheckDrivers();
  // Sends a worker's death to the GCS; keeps it for ReportUnreported when
  // the GCS does not answer.
  void ReportWorkerFailure(rpc::ReportWorkerFailureRequest request);
  void ReportUnreported();
  rpc::GcsNodeInfo NodeInfo() const;
  // What GetNodeStats answers: resources, store, workers and drivers,
  // queued leases, the machine's usage.
  rpc::GetNodeStatsReply NodeStats() const;
  // Samples the machine, then gives the metrics server fresh figures.
  void SampleUsage();
  absl::Status StartMetrics();
  // Sends what workers printed since the last call (one request in flight).
  void ForwardWorkerLogs();
  void OnWorkerLogsSent(const absl::Status& status, int lines);

  Options options_;
  std::map<int, rpc::WatchDriverRequest> drivers_;  // by pid; loop-owned
  // Worker deaths the GCS missed (loop-owned), oldest first, at most kMaxUnreported.
  static constexpr size_t kMaxUnreported = 10000;
  std::deque<rpc::ReportWorkerFailureRequest> unreported_;
  EventLoop& loop_;
  gcs::AsyncGcsClient gcs_;
  std::unique_ptr<LogMonitor> log_monitor_;
  std::unique_ptr<object_store::StoreServer> store_;
  std::unique_ptr<object_store::TransferServer> transfers_;
  std::unique_ptr<object_store::ObjectManager> object_manager_;
  std::unique_ptr<rpc::GrpcServer> server_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<NodeScheduler> scheduler_;
  NodeUsageSampler usage_;
  std::unique_ptr<MetricsServer> metrics_;
  // Loop state.
  bool registering_ = false;
  bool registered_ = false;
  bool report_in_flight_ = false;
  // Since when the node has been idle (reset whenever it holds something).
  std::chrono::steady_clock::time_point idle_since_ = std::chrono::steady_clock::now();
  bool draining_ = false;
  bool gcs_unreachable_ = false;
  bool stopping_ = false;
  bool logs_in_flight_ = false;
  bool logs_failing_ = false;
  bool usage_failing_ = false;
};

}  // namespace raylet
}  // namespace photon
