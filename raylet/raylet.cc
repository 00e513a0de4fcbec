#include "raylet/raylet.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <filesystem>
#include <future>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/rpc/addresses.h"
#include "core/rpc/status_util.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace raylet {
namespace {

// The bundles of a Prepare/CommitBundles request that the GCS placed on
// `self` (one naming no node is taken as ours: the request came here).
absl::StatusOr<std::vector<NodeScheduler::BundleSpec>> LocalBundles(
    const google::protobuf::RepeatedPtrField<rpc::Bundle>& bundles, const NodeID& self) {
  std::vector<NodeScheduler::BundleSpec> out;
  for (const rpc::Bundle& b : bundles) {
    absl::StatusOr<PlacementGroupID> group = PlacementGroupID::FromBinary(b.placement_group_id());
    if (!group.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bundle ", b.bundle_index(), ": bad placement group id: ", group.status().message()));
    }
    if (!b.node_id().empty()) {
      absl::StatusOr<NodeID> node = NodeID::FromBinary(b.node_id());
      if (!node.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("bundle ", b.bundle_index(), " of placement group ",
                                                       group->Hex(), ": bad node id: ", node.status().message()));
      }
      if (*node != self) continue;
    }
    out.push_back(NodeScheduler::BundleSpec{*group, b.bundle_index(), b.resources()});
  }
  return out;
}

}  // namespace

// RayletService, answered on the raylet loop.
class Raylet::Service : public rpc::RayletService::CallbackService {
 public:
  Service(rpc::GrpcServer& server, Raylet& raylet) : server_(server), raylet_(raylet) {}

  grpc::ServerUnaryReactor* HealthCheck(grpc::CallbackServerContext* ctx,
                                        const rpc::HealthCheckRequest* req,
                                        rpc::HealthCheckReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.HealthCheck", ctx, req, reply,
                          [this](const rpc::HealthCheckRequest&, rpc::HealthCheckReply* out) {
                            out->set_node_id(raylet_.node_id().Binary());
                            return absl::OkStatus();
                          });
  }

  grpc::ServerUnaryReactor* GetNodeStats(grpc::CallbackServerContext* ctx,
                                         const rpc::GetNodeStatsRequest* req,
                                         rpc::GetNodeStatsReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.GetNodeStats", ctx, req, reply,
                          [this](const rpc::GetNodeStatsRequest&, rpc::GetNodeStatsReply* out) {
                            *out = raylet_.NodeStats();
                            return absl::OkStatus();
                          });
  }

  grpc::ServerUnaryReactor* RegisterWorker(grpc::CallbackServerContext* ctx, const rpc::RegisterWorkerRequest* req,
                                           rpc::RegisterWorkerReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.RegisterWorker", ctx, req, reply,
                          [this](const rpc::RegisterWorkerRequest& r, rpc::RegisterWorkerReply* out) -> absl::Status {
                            absl::StatusOr<WorkerID> id = WorkerID::FromBinary(r.worker_id());
                            if (!id.ok()) return id.status();
                            out->set_node_id(raylet_.node_id().Binary());
                            out->set_object_store_socket(raylet_.options_.store_socket);
                            out->set_gcs_address(raylet_.options_.gcs_address);
                            out->set_node_ip(raylet_.options_.node_ip);
                            out->set_object_manager_address(
                                rpc::HostPort(raylet_.options_.node_ip, raylet_.object_manager_port()));
                            return raylet_.scheduler_->RegisterWorker(*id, r.port(), r.owner_port());
                          });
  }

  grpc::ServerUnaryReactor* RequestWorkerLease(grpc::CallbackServerContext* ctx,
                                               const rpc::RequestWorkerLeaseRequest* req,
                                               rpc::RequestWorkerLeaseReply* reply) override {
    return rpc::ServeOnLoop(server_, "Raylet.RequestWorkerLease", ctx, req, reply,
                            [this, ctx](const rpc::RequestWorkerLeaseRequest& r, rpc::RequestWorkerLeaseReply* out,
                                        rpc::ReplyFn done) {
                              raylet_.scheduler_->RequestLease(
                                  r, [this, ctx, out, done](absl::StatusOr<rpc::RequestWorkerLeaseReply> result) {
                                    // The requester gave up (deadline, retry, exit) while this
                                    // waited: nobody would use the lease, so it ends here.
                                    if (result.ok() && result->lease_id() != 0 && ctx->IsCancelled()) {
                                      PHOTON_LOG(INFO) << "lease " << result->lease_id()
                                                       << " granted after its requester gave up; returned";
                                      raylet_.scheduler_->ReturnLease(result->lease_id(), false).IgnoreError();
                                      return done(grpc::Status(grpc::StatusCode::CANCELLED, "request cancelled"));
                                    }
                                    if (result.ok()) *out = *result;
                                    done(rpc::ToGrpcStatus(result.status()));
                                  });
                            });
  }

  grpc::ServerUnaryReactor* ReturnWorker(grpc::CallbackServerContext* ctx, const rpc::ReturnWorkerRequest* req,
                                         rpc::ReturnWorkerReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.ReturnWorker", ctx, req, reply,
                          [this](const rpc::ReturnWorkerRequest& r, rpc::ReturnWorkerReply*) {
                            return raylet_.scheduler_->ReturnLease(r.lease_id(), r.worker_died());
                          });
  }

  grpc::ServerUnaryReactor* NotifyWorkerBlocked(grpc::CallbackServerContext* ctx,
                                                const rpc::NotifyWorkerBlockedRequest* req,
                                                rpc::NotifyWorkerBlockedReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.NotifyWorkerBlocked", ctx, req, reply,
                          [this](const rpc::NotifyWorkerBlockedRequest& r, rpc::NotifyWorkerBlockedReply*) {
                            absl::StatusOr<WorkerID> worker = WorkerID::FromBinary(r.worker_id());
                            if (!worker.ok()) return worker.status();
                            raylet_.scheduler_->SetWorkerBlocked(*worker, r.blocked(), r.sequence());
                            return absl::OkStatus();
                          });
  }

  grpc::ServerUnaryReactor* WatchDriver(grpc::CallbackServerContext* ctx, const rpc::WatchDriverRequest* req,
                                        rpc::WatchDriverReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.WatchDriver", ctx, req, reply,
                          [this](const rpc::WatchDriverRequest& r, rpc::WatchDriverReply*) {
                            return raylet_.WatchDriver(r);
                          });
  }

  grpc::ServerUnaryReactor* DrainNode(grpc::CallbackServerContext* ctx, const rpc::DrainNodeRequest* req,
                                      rpc::DrainNodeReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.DrainNode", ctx, req, reply,
                          [this](const rpc::DrainNodeRequest& r, rpc::DrainNodeReply* out) {
                            *out = raylet_.Drain(r);
                            return absl::OkStatus();
                          });
  }

  grpc::ServerUnaryReactor* PrepareBundles(grpc::CallbackServerContext* ctx, const rpc::PrepareBundlesRequest* req,
                                           rpc::PrepareBundlesReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.PrepareBundles", ctx, req, reply,
                          [this](const rpc::PrepareBundlesRequest& r, rpc::PrepareBundlesReply*) -> absl::Status {
                            auto bundles = LocalBundles(r.bundles(), raylet_.node_id());
                            if (!bundles.ok()) return bundles.status();
                            absl::Status prepared = raylet_.scheduler_->PrepareBundles(*bundles);
                            if (!prepared.ok() || !r.commit()) return prepared;
                            return raylet_.scheduler_->CommitBundles(*bundles);
                          });
  }

  grpc::ServerUnaryReactor* CommitBundles(grpc::CallbackServerContext* ctx, const rpc::CommitBundlesRequest* req,
                                          rpc::CommitBundlesReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.CommitBundles", ctx, req, reply,
                          [this](const rpc::CommitBundlesRequest& r, rpc::CommitBundlesReply*) -> absl::Status {
                            auto bundles = LocalBundles(r.bundles(), raylet_.node_id());
                            if (!bundles.ok()) return bundles.status();
                            return raylet_.scheduler_->CommitBundles(*bundles);
                          });
  }

  grpc::ServerUnaryReactor* CancelBundles(grpc::CallbackServerContext* ctx, const rpc::CancelBundlesRequest* req,
                                          rpc::CancelBundlesReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.CancelBundles", ctx, req, reply,
                          [this](const rpc::CancelBundlesRequest& r, rpc::CancelBundlesReply*) -> absl::Status {
                            auto group = PlacementGroupID::FromBinary(r.placement_group_id());
                            if (!group.ok()) {
                              return absl::InvalidArgumentError(
                                  absl::StrCat("bad placement group id: ", group.status().message()));
                            }
                            return raylet_.scheduler_->CancelBundles(*group);
                          });
  }

  grpc::ServerUnaryReactor* PullObject(grpc::CallbackServerContext* ctx, const rpc::PullObjectRequest* req,
                                       rpc::PullObjectReply* reply) override {
    return rpc::ServeOnLoop(
        server_, "Raylet.PullObject", ctx, req, reply,
        [this](const rpc::PullObjectRequest& r, rpc::PullObjectReply* out, rpc::ReplyFn done) {
          absl::StatusOr<ObjectID> id = ObjectID::FromBinary(r.object_id());
          if (!id.ok()) return done(rpc::ToGrpcStatus(id.status()));
          std::vector<std::string> holders(r.holders().begin(), r.holders().end());
          raylet_.object_manager_->Pull(*id, holders, [out, done](absl::StatusOr<int64_t> bytes) {
            if (bytes.ok()) out->set_bytes(*bytes);
            done(rpc::ToGrpcStatus(bytes.status()));
          });
        });
  }

  grpc::ServerUnaryReactor* FreeObjects(grpc::CallbackServerContext* ctx, const rpc::FreeObjectsRequest* req,
                                        rpc::FreeObjectsReply* reply) override {
    return rpc::ServeSync(server_, "Raylet.FreeObjects", ctx, req, reply,
                          [this](const rpc::FreeObjectsRequest& r, rpc::FreeObjectsReply* out) -> absl::Status {
                            std::vector<ObjectID> ids;
                            for (const std::string& b : r.object_ids()) {
                              absl::StatusOr<ObjectID> id = ObjectID::FromBinary(b);
                              if (!id.ok()) return id.status();
                              ids.push_back(*id);
                            }
                            out->set_deleted(raylet_.store_->Delete(ids));
                            return absl::OkStatus();
                          });
  }

 private:
  rpc::GrpcServer& server_;
  Raylet& raylet_;
};

Raylet::Raylet(Options options, EventLoop& loop)
    : options_(std::move(options)),
      loop_(loop),
      gcs_(loop, gcs::AsyncGcsClient::Options{options_.gcs_address, options_.token, options_.report_period}) {}

Raylet::~Raylet() = default;

rpc::GcsNodeInfo Raylet::NodeInfo() const {
  rpc::GcsNodeInfo info;
  info.set_node_id(options_.node_id.Binary());
  info.set_node_ip(options_.node_ip);
  info.set_raylet_port(server_->port());
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  info.set_hostname(host);
  *info.mutable_resources_total() = options_.resources;
  info.set_session_dir(options_.session_dir);
  info.set_raylet_pid(getpid());
  info.set_is_head(options_.is_head);
  info.set_object_manager_port(transfers_->port());
  info.set_object_store_socket(options_.store_socket);
  info.set_metrics_export_port(metrics_export_port());
  info.mutable_labels()->insert(options_.labels.begin(), options_.labels.end());
  return info;
}

rpc::GetNodeStatsReply Raylet::NodeStats() const {
  rpc::GetNodeStatsReply out;
  out.set_node_id(options_.node_id.Binary());
  *out.mutable_total() = options_.resources;
  *out.mutable_available() = scheduler_->Available();
  *out.mutable_object_store() = store_->Stats();
  for (rpc::WorkerStats& w : scheduler_->Workers()) *out.add_workers() = std::move(w);
  for (const auto& [pid, driver] : drivers_) {
    rpc::WorkerStats& w = *out.add_workers();
    w.set_worker_id(driver.driver().worker_id());
    w.set_pid(pid);
    w.set_job_id(driver.job_id());
    w.set_kind(rpc::WorkerStats::DRIVER);
    w.set_state(rpc::WorkerStats::BUSY);
  }
  const NodeScheduler::QueuedLeases queued = scheduler_->Queued();
  out.set_num_queued_leases(queued.queued);
  out.set_num_infeasible_leases(queued.infeasible);
  out.set_num_leases_waiting_for_workers(queued.waiting_for_workers);
  *out.mutable_usage() = usage_.latest();
  return out;
}

void Raylet::SampleUsage() {
  absl::Status sampled = usage_.Sample();
  // Warn once per run of failures (a container without /proc, say).
  if (!sampled.ok() && !usage_failing_) {
    PHOTON_LOG(WARNING) << "cannot sample the machine's CPU and memory: " << sampled.message();
  }
  usage_failing_ = !sampled.ok();
  if (metrics_) metrics_->Publish(NodeStats());
}

absl::Status Raylet::StartMetrics() {
  if (options_.metrics_export_port == 0) return absl::OkStatus();
  MetricsServer::Options metrics;
  metrics.port = options_.metrics_export_port;
  metrics.token = options_.token;
  metrics.labels.node_address = options_.node_ip;
  metrics.labels.session_name = std::filesystem::path(options_.session_dir).filename().string();
  metrics.labels.is_head = options_.is_head;
  absl::StatusOr<std::unique_ptr<MetricsServer>> started = MetricsServer::Start(std::move(metrics));
  if (!started.ok()) {
    return absl::Status(started.status().code(),
                        absl::StrCat("cannot export metrics on port ", options_.metrics_export_port,
                                     " (--metrics-export-port): ", started.status().message(),
                                     "; pass a free port, or --metrics-export-port=0 to export none"));
  }
  metrics_ = std::move(*started);
  PHOTON_LOG(INFO) << "Prometheus metrics at http://" << options_.node_ip << ":" << metrics_->port() << "/metrics";
  return absl::OkStatus();
}

absl::Status Raylet::Start() {
  // First: a taken port fails the start before anything else is set up.
  if (absl::Status metrics = StartMetrics(); !metrics.ok()) return metrics;
  object_store::StoreServer::Options store;
  store.socket_path = options_.store_socket;
  auto amounts = options_.resources.amounts();
  store.capacity = static_cast<int64_t>(amounts.count("object_store_memory") ? amounts.at("object_store_memory") : 0);
  store.spill_dir = options_.spill_dir;
  absl::StatusOr<std::unique_ptr<object_store::StoreServer>> started_store = object_store::StoreServer::Start(store);
  if (!started_store.ok()) return started_store.status();
  store_ = std::move(*started_store);
  object_store::TransferServer::Options transfer;
  transfer.port = options_.object_manager_port;
  transfer.token = options_.token;
  absl::StatusOr<std::unique_ptr<object_store::TransferServer>> transfers =
      object_store::TransferServer::Start(transfer, *store_);
  if (!transfers.ok()) return transfers.status();
  transfers_ = std::move(*transfers);
  object_store::ObjectManager::Options pulls;
  pulls.token = options_.token;
  object_manager_ = std::make_unique<object_store::ObjectManager>(pulls, *store_);

  server_ = std::make_unique<rpc::GrpcServer>(
      "raylet", rpc::GrpcServer::Options{"0.0.0.0", options_.port, options_.token}, loop_);
  service_ = std::make_unique<Service>(*server_, *this);
  server_->RegisterService(service_.get());
  absl::Status started = server_->Start();
  if (!started.ok()) return started;
  NodeScheduler::Options scheduling;
  scheduling.node_id = options_.node_id;
  scheduling.resources = options_.resources;
  scheduling.gcs_address = options_.gcs_address;
  scheduling.token = options_.token;
  scheduling.raylet_address = rpc::HostPort(options_.node_ip, server_->port());
  scheduling.max_workers = options_.max_workers;
  scheduling.on_worker_died = [this](const WorkerHandle& worker, const std::string& how) {
    // The GCS ends the actors it owned (fate sharing).
    rpc::ReportWorkerFailureRequest request;
    request.mutable_worker()->set_worker_id(worker.id.Binary());
    request.mutable_worker()->set_node_id(options_.node_id.Binary());
    request.mutable_worker()->set_ip(worker.ip);
    request.mutable_worker()->set_port(worker.port);
    request.set_how(how);
    ReportWorkerFailure(std::move(request));
  };
  scheduling.log_dir = !options_.worker_log_dir.empty() ? options_.worker_log_dir
                       : options_.session_dir.empty()    ? ""
                                                         : options_.session_dir + "/logs";
  if (!scheduling.log_dir.empty()) {
    log_monitor_ = std::make_unique<LogMonitor>(LogMonitor::Options{options_.node_id});
    scheduling.worker_output.on_started = [this](const WorkerHandle& w, const JobID& job, const std::string& path) {
      log_monitor_->AddWorker(w.id, job, w.pid, path);
    };
    scheduling.worker_output.on_exited = [this](const WorkerID& id) { log_monitor_->WorkerExited(id); };
    loop_.RunEvery("Raylet.ForwardWorkerLogs", std::chrono::milliseconds(50), [this] { ForwardWorkerLogs(); });
  }
  scheduler_ = std::make_unique<NodeScheduler>(scheduling, loop_);
  scheduler_->Start();
  PHOTON_LOG(INFO) << "raylet " << options_.node_id.Hex() << " listening on port " << server_->port()
                   << ", GCS at " << options_.gcs_address;
  loop_.Post("Raylet.Register", [this] { Register(); });
  loop_.RunEvery("Raylet.ReportResources", options_.report_period, [this] { Report(); });
  loop_.RunEvery("Raylet.CheckDrivers", std::chrono::milliseconds(500), [this] { CheckDrivers(); });
  SampleUsage();  // the CPU figure needs two samples: the next one has it
  loop_.RunEvery("Raylet.SampleUsage", std::chrono::seconds(1), [this] { SampleUsage(); });
  return absl::OkStatus();
}

void Raylet::Register() {
  if (registering_ || stopping_) return;
  registering_ = true;
  rpc::RegisterNodeRequest request;
  *request.mutable_node() = NodeInfo();
  // When its attempts run out, OnRegistered schedules another round.
  gcs_.RegisterNode(std::move(request),
                    [this](absl::StatusOr<rpc::RegisterNodeReply> reply) { OnRegistered(reply.status()); });
}

void Raylet::OnRegistered(const absl::Status& status) {
  registering_ = false;
  if (status.ok()) {
    PHOTON_LOG(INFO) << "registered node " << options_.node_id.Hex() << " with the GCS at "
                     << options_.gcs_address;
    registered_ = true;
    gcs_unreachable_ = false;
    Report();  // the GCS learns the store's figures now, not a period later
    ReportUnreported();
    return;
  }
  if (stopping_) return;
  if (absl::IsDeadlineExceeded(status) || absl::IsUnavailable(status)) {
    loop_.RunAfter("Raylet.Register", std::chrono::milliseconds(500), [this] { Register(); });
    return;
  }
  absl::Status fatal(status.code(),
                     absl::StrCat("the GCS refused node ", options_.node_id.Hex(), ": ", status.message()));
  PHOTON_LOG(ERROR) << fatal.message();
  if (options_.on_fatal) options_.on_fatal(fatal);
}

absl::Status Raylet::WatchDriver(const rpc::WatchDriverRequest& driver) {
  const int pid = driver.pid();
  if (pid <= 0 || kill(pid, 0) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("driver pid ", pid, " is not a process this raylet can see"));
  }
  drivers_[pid] = driver;
  return absl::OkStatus();
}

void Raylet::CheckDrivers() {
  for (auto it = drivers_.begin(); it != drivers_.end();) {
    if (kill(it->first, 0) == 0 || errno != ESRCH) {
      ++it;
      continue;
    }
    // Gone. After a clean shutdown its actors are gone and its job is
    // finished already: harmless.
    rpc::ReportWorkerFailureRequest request;
    *request.mutable_worker() = it->second.driver();
    request.set_how(absl::StrCat("exited (driver pid ", it->first, ")"));
    request.set_driver_job_id(it->second.job_id());
    ReportWorkerFailure(std::move(request));
    drivers_.erase(it++);
  }
}

void Raylet::ReportWorkerFailure(rpc::ReportWorkerFailureRequest request) {
  rpc::ReportWorkerFailureRequest copy = request;
  gcs_.ReportWorkerFailure(std::move(request), [this, copy = std::move(copy)](
                                                   absl::StatusOr<rpc::ReportWorkerFailureReply> reply) mutable {
    if (reply.ok()) return;
    if (!absl::IsUnavailable(reply.status()) && !absl::IsDeadlineExceeded(reply.status())) {
      PHOTON_LOG(WARNING) << "the GCS refused a worker's death report: " << reply.status();
      return;
    }
    // The GCS is away (restarting, say): tell it once this node is registered again.
    if (unreported_.size() >= kMaxUnreported) {
      PHOTON_LOG(WARNING) << "dropping the oldest of " << unreported_.size()
                          << " worker deaths the GCS was not told of";
      unreported_.pop_front();
    }
    unreported_.push_back(std::move(copy));
  });
}

void Raylet::ReportUnreported() {
  if (unreported_.empty()) return;
  PHOTON_LOG(INFO) << "telling the GCS of " << unreported_.size() << " worker deaths it missed";
  std::deque<rpc::ReportWorkerFailureRequest> pending = std::move(unreported_);
  unreported_.clear();
  for (rpc::ReportWorkerFailureRequest& request : pending) ReportWorkerFailure(std::move(request));
}

void Raylet::Report() {
  if (stopping_ || report_in_flight_) return;
  if (!registered_) {
    Register();
    return;
  }
  report_in_flight_ = true;
  rpc::ReportResourceUsageRequest request;
  rpc::ResourceUsage* usage = request.mutable_usage();
  usage->set_node_id(options_.node_id.Binary());
  *usage->mutable_total() = options_.resources;
  TrackIdle();
  *usage->mutable_available() = scheduler_->Available();
  if (draining_) {
    // Nothing to offer: schedulers elsewhere send this node no new work.
    for (auto& [name, amount] : *usage->mutable_available()->mutable_amounts()) amount = 0;
  }
  usage->set_draining(draining_);
  usage->set_idle_ms(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                          idle_since_)
                         .count());
  for (rpc::ResourceDemand& d : scheduler_->Demand()) *usage->add_demand() = std::move(d);
  *usage->mutable_object_store() = store_->Stats();
  usage->set_timestamp_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
  gcs_.ReportResourceUsage(std::move(request), [this](absl::StatusOr<rpc::ReportResourceUsageReply> reply) {
    OnReported(reply.status());
  });
}

std::string Raylet::BusyReason() const {
  std::string reason = scheduler_->BusyReason();
  int64_t pinned = store_->Stats().pinned_bytes();
  if (pinned > 0) absl::StrAppend(&reason, reason.empty() ? "" : ", ", pinned, " bytes of objects pinned");
  return reason;
}

void Raylet::TrackIdle() {
  if (BusyReason().empty()) return;
  idle_since_ = std::chrono::steady_clock::now();
  if (draining_) {
    PHOTON_LOG(INFO) << "drain ended: work reached this node (" << BusyReason() << ")";
    draining_ = false;
  }
}

rpc::DrainNodeReply Raylet::Drain(const rpc::DrainNodeRequest& request) {
  rpc::DrainNodeReply reply;
  TrackIdle();
  reply.set_idle_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - idle_since_).count());
  if (!request.drain()) {
    draining_ = false;
    reply.set_accepted(true);
    return reply;
  }
  std::string busy = BusyReason();
  if (!busy.empty()) {
    reply.set_reason(absl::StrCat("node is busy: ", busy));
    return reply;
  }
  if (!draining_) PHOTON_LOG(INFO) << "draining: this node takes no new work";
  draining_ = true;
  reply.set_accepted(true);
  Report();
  return reply;
}

void Raylet::OnReported(const absl::Status& status) {
  report_in_flight_ = false;
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      // The GCS may be restarting; when it is back, register again (same
      // NodeID) so a GCS that lost its tables learns about this node.
      if (!gcs_unreachable_) {
        PHOTON_LOG(WARNING) << "GCS at " << options_.gcs_address
                            << " is unreachable; still running, will re-register: " << status.message();
      }
      gcs_unreachable_ = true;
      registered_ = false;
      return;
    case absl::StatusCode::kNotFound:
      PHOTON_LOG(WARNING) << "the GCS does not know this node (" << status.message()
                          << "); registering again";
      registered_ = false;
      Register();
      return;
    default:
      PHOTON_LOG(ERROR) << "resource report refused: " << status.message();
  }
}

void Raylet::ForwardWorkerLogs() {
  // While the GCS is away the files keep what workers print.
  if (stopping_ || logs_in_flight_ || !registered_) return;
  rpc::PublishWorkerLogsRequest request = log_monitor_->Poll();
  if (request.batches_size() == 0) return;
  int lines = 0;
  for (const rpc::WorkerLogBatch& b : request.batches()) lines += b.lines_size();
  logs_in_flight_ = true;
  gcs_.PublishWorkerLogs(std::move(request), [this, lines](absl::StatusOr<rpc::PublishWorkerLogsReply> reply) {
    OnWorkerLogsSent(reply.status(), lines);
  });
}

void Raylet::OnWorkerLogsSent(const absl::Status& status, int lines) {
  logs_in_flight_ = false;
  if (status.ok()) {
    logs_failing_ = false;
    return;
  }
  // Warn once per run of failures, not once per batch.
  if (!logs_failing_) {
    PHOTON_LOG(WARNING) << "could not send " << lines << " lines of worker output to the GCS at "
                        << options_.gcs_address << ", dropped: " << status.message();
  }
  logs_failing_ = true;
}

void Raylet::Stop(std::chrono::milliseconds timeout) {
  std::promise<void> stopped;
  loop_.Post("Raylet.Stop", [&] {
    stopping_ = true;
    stopped.set_value();
  });
  stopped.get_future().wait();
  // Unregister with a blocking call from this (non-loop) thread: one
  // attempt, bounded by `timeout`.
  gcs::GcsClient gcs(gcs::GcsClient::Options{options_.gcs_address, options_.token, rpc::RetryPolicy{timeout, 1}});
  absl::Status s = gcs.UnregisterNode(options_.node_id, "raylet stopped (SIGTERM)");
  if (s.ok()) {
    PHOTON_LOG(INFO) << "unregistered node " << options_.node_id.Hex();
  } else {
    PHOTON_LOG(WARNING) << "could not unregister node " << options_.node_id.Hex() << ": " << s.message();
  }
  if (metrics_) metrics_->Stop();
  if (scheduler_) scheduler_->Stop();
  if (server_) server_->Shutdown();
  if (transfers_) transfers_->Stop();
  object_manager_.reset();
  if (store_) store_->Stop();
  // Spilled objects die with the store: leave no files behind.
  std::error_code ignored;
  if (!options_.spill_dir.empty()) std::filesystem::remove_all(options_.spill_dir, ignored);
}

}  // namespace raylet
}  // namespace photon
