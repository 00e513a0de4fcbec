#pragma once
// WorkerIdentity: who this process is in the cluster, decided once while it
// connects (worker_connector.h) and constant after: its job, worker and node
// IDs, the address other processes reach its owner service at, and where its
// raylet, object store and GCS are. Every part of the core worker is built
// with a reference to it ("Constant after construction", as LevelDB's
// DBImpl says of its options).
//
//   ASSIGN_OR_RETURN(WorkerIdentity me, ConnectDriver(options, owner_port));
//   spec.set_job_id(me.job.Binary());
//   *spec.mutable_caller() = me.address;
//
// A value type; immutable once built, so it may be read from any thread.
#include <string>
#include <vector>

#include "core/common/id.h"
#include "proto/common.pb.h"

namespace photon {
namespace core {

struct WorkerIdentity {
  bool is_driver = true;
  JobID job;
  WorkerID worker_id;
  NodeID node_id;
  // This process's owner service: ip, port, worker id and node id. It goes
  // into every spec this process submits (the caller) and every object it owns.
  rpc::Address address;
  // HOST:PORT of the local raylet, its object manager, and the GCS.
  std::string raylet_address;
  std::string object_manager_address;
  std::string gcs_address;
  // The local object store's unix socket.
  std::string object_store_socket;
  std::string token;
  std::string namespace_name;
  // How a raylet starts this job's workers (argv).
  std::vector<std::string> worker_command;
  // The nil actor of this job: normal tasks and puts are its "tasks".
  ActorID nil_actor;
  // Puts are numbered returns of this task (random, one per process).
  TaskID put_task;

  // The driver's own task (what CurrentTask() is outside tasks).
  TaskID DriverTask() const { return TaskID::ForDriver(job); }
};

}  // namespace core
}  // namespace photon
