#include "core/core_worker/core_worker.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"
#include "core/core_worker/actor_submitter.h"
#include "core/core_worker/log_printer.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/owner_service.h"
#include "core/core_worker/task_event_buffer.h"
#include "core/core_worker/task_receiver.h"
#include "core/core_worker/task_submitter.h"
#include "core/rpc/client_call.h"
#include "core/rpc/grpc_server.h"
#include "core/rpc/status_util.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/gcs_subscriber.h"
#include "object_store/object_store_client.h"

namespace photon {
namespace core {
namespace {

std::string Short(const std::string& hex) { return hex.substr(0, 12); }

absl::Status FromGrpc(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), what + ": " + s.error_message());
}

}  // namespace

CoreWorker::CoreWorker(CoreWorkerOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<CoreWorker>> CoreWorker::Start(CoreWorkerOptions options) {
  // absl's lock-order graph costs a few microseconds per lock on the task
  // path; our own tests run with it (see the unit tests), the runtime without.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::unique_ptr<CoreWorker> worker(new CoreWorker(std::move(options)));
  absl::Status s = worker->Connect();
  if (!s.ok()) {
    worker->Shutdown();
    return s;
  }
  return worker;
}

CoreWorker::~CoreWorker() { Shutdown(); }

absl::Status CoreWorker::Connect() {
  const bool driver = options_.is_driver;
  worker_id_ = driver ? WorkerID::FromRandom() : options_.worker_id;
  if (!driver) {
    // Whatever a worker prints reaches its driver (through the raylet's log
    // monitor) a line at a time, and only that: the worker's own log goes
    // to a file of its own beside its output file.
    std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    const char* log_dir = std::getenv("PHOTON_LOG_DIR");
    if (log_dir != nullptr && *log_dir != '\0' && LogFilePath().empty()) {
      InitLogging("worker-" + Short(worker_id_.Hex()), log_dir);
    }
  }
  // The loop polls briefly after each burst: a reply or the next submission
  // usually follows within that, and is then handled without a wakeup.
  loop_.SetSpinBeforeSleep(std::chrono::microseconds(50));
  loop_.StartThread(driver ? "photon-driver" : "photon-worker");

  // The owner service first: our address goes into every spec.
  server_ = std::make_unique<rpc::GrpcServer>("core-worker",
                                              rpc::GrpcServer::Options{"0.0.0.0", 0, options_.token}, loop_);
  owner_service_ = std::make_unique<OwnerService>(*server_, *this);
  server_->RegisterService(owner_service_.get());
  RETURN_IF_ERROR(server_->Start());
  address_.set_ip(options_.node_ip);
  address_.set_port(server_->port());
  address_.set_worker_id(worker_id_.Binary());

  std::string store_socket;
  if (driver) {
    if (options_.gcs_address.empty()) return absl::InvalidArgumentError("a driver needs the GCS address");
    gcs_ = std::make_unique<gcs::GcsClient>(gcs::GcsClient::Options{options_.gcs_address, options_.token, {}});
    ASSIGN_OR_RETURN(std::vector<rpc::GcsNodeInfo> all, gcs_->GetAllNodes());
    const rpc::GcsNodeInfo* chosen = nullptr;
    for (const rpc::GcsNodeInfo& n : all) {
      if (n.state() != rpc::GcsNodeInfo::ALIVE) continue;
      const std::string addr = absl::StrCat(n.node_ip(), ":", n.raylet_port());
      if (!options_.raylet_address.empty()) {
        if (addr == options_.raylet_address) chosen = &n;
      } else if (chosen == nullptr || (n.is_head() && !chosen->is_head())) {
        chosen = &n;
      }
    }
    if (chosen == nullptr) {
      return absl::UnavailableError(
          options_.raylet_address.empty()
              ? absl::StrCat("no alive node in the cluster at ", options_.gcs_address)
              : absl::StrCat("no alive node with a raylet at ", options_.raylet_address, " in the cluster at ",
                             options_.gcs_address));
    }
    node_id_ = *NodeID::FromBinary(chosen->node_id());
    raylet_address_ = absl::StrCat(chosen->node_ip(), ":", chosen->raylet_port());
    object_manager_address_ = absl::StrCat(chosen->node_ip(), ":", chosen->object_manager_port());
    store_socket = chosen->object_store_socket();
    rpc::JobTableData job;
    job.set_driver_pid(getpid());
    job.set_driver_ip(options_.node_ip);
    job.set_entrypoint(options_.entrypoint);
    job.set_namespace_(options_.namespace_name);
    ASSIGN_OR_RETURN(job_, gcs_->AddJob(job));
    if (options_.log_to_driver) FollowWorkerLogs();
  } else {
    job_ = options_.job;
    raylet_address_ = options_.raylet_address;
  }
  local_raylet_ = rpc::RayletService::NewStub(rpc::MakeChannel(raylet_address_));
  address_.set_node_id(node_id_.Binary());
  nil_actor_ = *ActorID::FromBinary(ActorID::Nil().Binary().substr(0, ActorID::kSize - JobID::kSize) + job_.Binary());
  driver_task_ = TaskID::ForDriver(job_);
  put_task_ = TaskID::Of(nil_actor_);

  if (!driver) {
    // Serve tasks, then tell the raylet we are ready and learn the rest.
    receiver_ = std::make_unique<TaskReceiver>(
        options_.token, [this](const rpc::TaskSpec& spec) { return Execute(spec); },
        [this](int64_t lease_id) { ReturnOwnLease(lease_id); });
    ASSIGN_OR_RETURN(int port, receiver_->Listen("0.0.0.0"));
    rpc::RegisterWorkerRequest request;
    request.set_worker_id(worker_id_.Binary());
    request.set_port(port);
    rpc::RegisterWorkerReply reply;
    grpc::Status s = rpc::CallWithRetry(options_.token, rpc::RetryPolicy{}, [&](grpc::ClientContext* ctx) {
      return local_raylet_->RegisterWorker(ctx, request, &reply);
    });
    RETURN_IF_ERROR(FromGrpc(s, "registering with the raylet at " + raylet_address_));
    node_id_ = *NodeID::FromBinary(reply.node_id());
    address_.set_node_id(node_id_.Binary());
    store_socket = reply.object_store_socket();
    object_manager_address_ = reply.object_manager_address();
    options_.gcs_address = reply.gcs_address();
    gcs_ = std::make_unique<gcs::GcsClient>(gcs::GcsClient::Options{options_.gcs_address, options_.token, {}});
  }
  placement_groups_ = rpc::PlacementGroupInfoGcsService::NewStub(rpc::MakeChannel(options_.gcs_address));
  refs_ = std::make_unique<ReferenceCounter>(
      address_, [this](const ObjectID& id, const Reference& ref) { OnOutOfScope(id, ref); });

  ASSIGN_OR_RETURN(store_, object_store::ObjectStoreClient::Connect(store_socket));
  nodes_ = std::make_unique<NodeDirectory>(*gcs_, [this](const NodeID& node) {
    loop_.Post("CoreWorker.NodeDead", [this, node] { OnNodeDead(node); });
  });
  RETURN_IF_ERROR(nodes_->Start());
  events_ = std::make_unique<TaskEventBuffer>(*gcs_);
  events_->Start();

  TaskSubmitter::Options submit;
  submit.local_raylet_address = raylet_address_;
  submit.local_node = node_id_;
  submit.token = options_.token;
  submit.job = job_;
  submit.worker_command = options_.worker_command;
  TaskSubmitter::Callbacks callbacks;
  callbacks.on_reply = [this](const rpc::TaskSpec& spec, const rpc::TaskReply& reply, const NodeID& node,
                              const WorkerID& worker) { OnTaskReply(spec, reply, node, worker); };
  callbacks.on_failure = [this](const rpc::TaskSpec& spec, ErrorKind kind, const std::string& message) {
    OnTaskFailure(spec, kind, message);
  };
  callbacks.on_pushed = [this](const rpc::TaskSpec& spec, const NodeID& node, const WorkerID& worker) {
    RecordEvent(spec, rpc::SCHEDULED, node, worker);
  };
  submitter_ = std::make_unique<TaskSubmitter>(loop_, submit, *nodes_, callbacks);
  ActorSubmitter::Callbacks actor_callbacks;
  actor_callbacks.on_reply = callbacks.on_reply;
  actor_callbacks.on_failure = callbacks.on_failure;
  actor_submitter_ = std::make_unique<ActorSubmitter>(loop_, options_.token, actor_callbacks);
  PHOTON_LOG(INFO) << (driver ? "driver" : "worker") << " " << Short(worker_id_.Hex()) << " of job " << job_.Hex()
                   << " on node " << Short(node_id_.Hex()) << ", owner service on port " << server_->port();
  return absl::OkStatus();
}

void CoreWorker::FollowWorkerLogs() {
  log_printer_ = std::make_unique<LogPrinter>(job_, STDOUT_FILENO);
  auto subscribed = std::make_shared<std::promise<void>>();
  auto once = std::make_shared<absl::once_flag>();
  gcs::GcsSubscriber::Callbacks callbacks;
  // The first reply is an (empty) snapshot: the GCS never replays old output.
  callbacks.on_snapshot = [subscribed, once](const std::vector<rpc::PubMessage>&) {
    absl::call_once(*once, [&] { subscribed->set_value(); });
  };
  callbacks.on_message = [printer = log_printer_.get()](const rpc::PubMessage& m) {
    if (m.has_worker_logs()) printer->Print(m.worker_logs());
  };
  log_subscriber_ =
      std::make_unique<gcs::GcsSubscriber>(*gcs_, std::vector<rpc::Channel>{rpc::WORKER_LOGS}, callbacks);
  log_subscriber_->Start();
  // Once the first poll is answered, every later line reaches this driver;
  // wait for it (briefly) so that no task of this job can print before.
  if (subscribed->get_future().wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    PHOTON_LOG(WARNING) << "no answer yet from the GCS to the worker output subscription; early output may be missed";
  }
}

void CoreWorker::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (receiver_) receiver_->Stop();
  if (submitter_) {
    std::promise<void> done;
    loop_.Post("CoreWorker.Shutdown", [&] {
      submitter_->Shutdown();
      actor_submitter_->Shutdown();
      done.set_value();
    });
    done.get_future().wait_for(std::chrono::seconds(5));
    // Let the lease returns go out.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (options_.is_driver && refs_ && nodes_) FreeAllOwned();
  if (options_.is_driver && gcs_ && job_ != JobID::Nil()) {
    absl::Status s = gcs_->MarkJobFinished(job_);
    if (!s.ok()) PHOTON_LOG(WARNING) << "could not mark job " << job_.Hex() << " finished: " << s;
  }
  if (log_subscriber_) log_subscriber_->RequestStop();  // ends with the next poll, meanwhile others stop
  if (events_) events_->Stop();
  if (nodes_) nodes_->Stop();
  if (actor_subscriber_) actor_subscriber_->Stop();
  if (log_subscriber_) log_subscriber_->Stop();
  if (server_) server_->Shutdown(std::chrono::milliseconds(200));
  loop_.Stop();
}

void CoreWorker::RunTaskLoop() {
  if (receiver_) receiver_->RunExecutionLoop();
}

}  // namespace core
}  // namespace photon
