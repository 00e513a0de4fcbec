#include "core/core_worker/worker_connector.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"
#include "core/rpc/addresses.h"
#include "core/rpc/raylet_client.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace core {
namespace {

// What a driver and a worker share; node and job come later.
WorkerIdentity Begin(const CoreWorkerOptions& options, const WorkerID& worker_id, int owner_port) {
  WorkerIdentity me;
  me.is_driver = options.is_driver;
  me.worker_id = worker_id;
  me.token = options.token;
  me.namespace_name = options.namespace_name;
  me.worker_command = options.worker_command;
  me.address.set_ip(options.node_ip);
  me.address.set_port(owner_port);
  me.address.set_worker_id(worker_id.Binary());
  return me;
}

WorkerIdentity Finish(WorkerIdentity me) {
  me.address.set_node_id(me.node_id.Binary());
  me.nil_actor =
      *ActorID::FromBinary(ActorID::Nil().Binary().substr(0, ActorID::kSize - JobID::kSize) + me.job.Binary());
  me.put_task = TaskID::Of(me.nil_actor);
  PHOTON_LOG(INFO) << (me.is_driver ? "driver" : "worker") << " " << me.worker_id.ShortHex() << " of job "
                   << me.job.Hex() << " on node " << me.node_id.ShortHex() << ", owner service on port "
                   << me.address.port();
  return me;
}

// The node whose raylet a driver uses.
absl::StatusOr<rpc::GcsNodeInfo> PickNode(const std::vector<rpc::GcsNodeInfo>& nodes,
                                          const CoreWorkerOptions& options) {
  const rpc::GcsNodeInfo* chosen = nullptr;
  for (const rpc::GcsNodeInfo& n : nodes) {
    if (n.state() != rpc::GcsNodeInfo::ALIVE) continue;
    const std::string addr = rpc::RayletAddress(n);
    if (!options.raylet_address.empty()) {
      if (addr == options.raylet_address) chosen = &n;
    } else if (chosen == nullptr || (n.is_head() && !chosen->is_head())) {
      chosen = &n;
    }
  }
  if (chosen != nullptr) return *chosen;
  return absl::UnavailableError(
      options.raylet_address.empty()
          ? absl::StrCat("no alive node in the cluster at ", options.gcs_address)
          : absl::StrCat("no alive node with a raylet at ", options.raylet_address, " in the cluster at ",
                         options.gcs_address));
}

}  // namespace

absl::StatusOr<WorkerIdentity> ConnectDriver(const CoreWorkerOptions& options, int owner_port) {
  if (options.gcs_address.empty()) return absl::InvalidArgumentError("a driver needs the GCS address");
  WorkerIdentity me = Begin(options, WorkerID::FromRandom(), owner_port);
  gcs::GcsClient gcs(gcs::GcsClient::Options{options.gcs_address, options.token, {}});
  ASSIGN_OR_RETURN(std::vector<rpc::GcsNodeInfo> nodes, gcs.GetAllNodes());
  ASSIGN_OR_RETURN(rpc::GcsNodeInfo node, PickNode(nodes, options));
  me.node_id = *NodeID::FromBinary(node.node_id());
  me.raylet_address = rpc::RayletAddress(node);
  me.object_manager_address = rpc::ObjectManagerAddress(node);
  me.object_store_socket = node.object_store_socket();
  me.gcs_address = options.gcs_address;
  rpc::JobTableData job;
  job.set_driver_pid(getpid());
  job.set_driver_ip(options.node_ip);
  job.set_entrypoint(options.entrypoint);
  job.set_namespace_(options.namespace_name);
  // A driver the dashboard started for a submitted job says which one, so
  // the job API links the submission to this driver's job.
  for (const char* variable : {"PHOTON_JOB_SUBMISSION_ID", "RAY_JOB_SUBMISSION_ID"}) {
    const char* id = std::getenv(variable);
    if (id != nullptr && *id != '\0') {
      (*job.mutable_metadata())["job_submission_id"] = id;
      break;
    }
  }
  ASSIGN_OR_RETURN(me.job, gcs.AddJob(job));
  return Finish(std::move(me));
}

absl::StatusOr<WorkerIdentity> ConnectWorker(const CoreWorkerOptions& options, EventLoop& loop, int owner_port,
                                             int task_port) {
  WorkerIdentity me = Begin(options, options.worker_id, owner_port);
  me.job = options.job;
  me.raylet_address = options.raylet_address;
  // Tell the raylet we are ready, and learn the rest.
  rpc::RegisterWorkerRequest request;
  request.set_worker_id(me.worker_id.Binary());
  request.set_port(task_port);
  request.set_owner_port(owner_port);
  absl::StatusOr<rpc::RegisterWorkerReply> reply =
      rpc::RayletClient(loop, me.raylet_address, options.token).RegisterWorkerAndWait(std::move(request));
  if (!reply.ok()) {
    return absl::Status(reply.status().code(),
                        absl::StrCat("registering with the raylet at ", me.raylet_address, ": ", reply.status().message()));
  }
  ASSIGN_OR_RETURN(me.node_id, NodeID::FromBinary(reply->node_id()));
  me.object_store_socket = reply->object_store_socket();
  me.object_manager_address = reply->object_manager_address();
  me.gcs_address = reply->gcs_address();
  return Finish(std::move(me));
}

void DisconnectDriver(const WorkerIdentity& driver, gcs::GcsClient& gcs) {
  absl::Status s = gcs.MarkJobFinished(driver.job);
  if (!s.ok()) PHOTON_LOG(WARNING) << "could not mark job " << driver.job.Hex() << " finished: " << s;
}

void SetUpWorkerProcess(const WorkerID& worker_id) {
  std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
  const char* log_dir = std::getenv("PHOTON_LOG_DIR");
  if (log_dir != nullptr && *log_dir != '\0' && LogFilePath().empty()) {
    InitLogging("worker-" + worker_id.ShortHex(), log_dir);
  }
}

}  // namespace core
}  // namespace photon
