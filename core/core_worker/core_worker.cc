#include "core/core_worker/core_worker.h"

#include <unistd.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/owner_service.h"
#include "core/core_worker/task_event_buffer.h"
#include "core/core_worker/task_receiver.h"
#include "core/core_worker/task_submitter.h"
#include "core/rpc/client_call.h"
#include "core/rpc/grpc_server.h"
#include "core/rpc/status_util.h"
#include "gcs/client/gcs_client.h"
#include "object_store/object_store_client.h"

namespace photon {
namespace core {
namespace {

thread_local TaskID current_task;
thread_local bool in_task = false;

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

rpc::Address CoreWorker::SelfAddress() const { return address_; }

absl::Status CoreWorker::Connect() {
  const bool driver = options_.is_driver;
  worker_id_ = driver ? WorkerID::FromRandom() : options_.worker_id;
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
  PHOTON_LOG(INFO) << (driver ? "driver" : "worker") << " " << Short(worker_id_.Hex()) << " of job " << job_.Hex()
                   << " on node " << Short(node_id_.Hex()) << ", owner service on port " << server_->port();
  return absl::OkStatus();
}

void CoreWorker::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (receiver_) receiver_->Stop();
  if (submitter_) {
    std::promise<void> done;
    loop_.Post("CoreWorker.Shutdown", [&] {
      submitter_->Shutdown();
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
  if (events_) events_->Stop();
  if (nodes_) nodes_->Stop();
  if (server_) server_->Shutdown(std::chrono::milliseconds(200));
  loop_.Stop();
}

void CoreWorker::RunTaskLoop() {
  if (receiver_) receiver_->RunExecutionLoop();
}

TaskID CoreWorker::CurrentTask() const { return in_task ? current_task : driver_task_; }

size_t CoreWorker::NumPendingTasks() const {
  absl::MutexLock lock(&mu_);
  return num_pending_;
}

// ---------------------------------------------------------------- objects

absl::Status CoreWorker::StoreLarge(const ObjectID& id, const std::string& data, const rpc::Address& owner) {
  ASSIGN_OR_RETURN(object_store::MutableObject obj, store_->Create(id, static_cast<int64_t>(data.size()), 0, owner));
  std::memcpy(obj.data, data.data(), data.size());
  RETURN_IF_ERROR(store_->Seal(id));
  return store_->Release(id);
}

absl::StatusOr<ObjectID> CoreWorker::Put(const std::string& data) {
  const ObjectID id = ObjectID::FromIndex(put_task_, ++put_index_);
  const bool large = static_cast<int64_t>(data.size()) > kMaxInlineBytes;
  if (large) RETURN_IF_ERROR(StoreLarge(id, data, address_));
  RETURN_IF_ERROR(refs_->AddOwnedObject(id, static_cast<int64_t>(data.size()), std::nullopt));
  RETURN_IF_ERROR(refs_->AddLocalReference(id));
  if (large) {
    RETURN_IF_ERROR(refs_->AddLocation(id, node_id_));
    RETURN_IF_ERROR(memory_store_.Put(id, StoredObject{"", "", true}));
  } else {
    RETURN_IF_ERROR(memory_store_.Put(id, StoredObject{data, "", false}));
  }
  return id;
}

void CoreWorker::AddLocalReference(const ObjectID& id) {
  absl::Status s = refs_->AddLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

void CoreWorker::RemoveLocalReference(const ObjectID& id) {
  if (shut_down_) return;
  absl::Status s = refs_->RemoveLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

void CoreWorker::AddBorrowedReference(const ObjectID& id, const rpc::Address& owner) {
  absl::Status s = refs_->AddBorrowedObject(id, owner);
  if (s.ok()) s = refs_->AddLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

std::optional<rpc::Address> CoreWorker::OwnerOf(const ObjectID& id) const { return refs_->OwnerOf(id); }

void CoreWorker::OnOutOfScope(const ObjectID& id, const Reference& ref) {
  memory_store_.Delete({id});
  {
    absl::MutexLock lock(&mu_);
    status_requested_.erase(id);
    borrowed_locations_.erase(id);
    return_to_task_.erase(id);
  }
  if (shut_down_) return;
  loop_.Post("CoreWorker.Free", [this, id, ref] { FreeOnLoop(id, ref); });
}

void CoreWorker::FreeOnLoop(const ObjectID& id, const Reference& ref) {
  lineage_.erase(id);
  if (!ref.owned) {
    {
      absl::MutexLock lock(&mu_);
      if (reported_borrows_.erase(id) == 0) return;  // the owner never counted us
    }
    // Tell the owner this borrower is done.
    rpc::CoreWorkerService::Stub* stub = &OwnerStub(absl::StrCat(ref.owner.ip(), ":", ref.owner.port()));
    auto request = std::make_shared<rpc::RemoveBorrowerRequest>();
    request->add_object_ids(id.Binary());
    *request->mutable_borrower() = address_;
    rpc::RetryPolicy policy;
    policy.max_attempts = 2;
    rpc::CallAsync<rpc::RemoveBorrowerReply>(
        loop_, "CoreWorker.RemoveBorrowerDone", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::RemoveBorrowerReply* reply, auto on_done) {
          stub->async()->RemoveBorrower(ctx, request.get(), reply, std::move(on_done));
        },
        [](grpc::Status, rpc::RemoveBorrowerReply) {});
    return;
  }
  for (const NodeID& node : ref.locations) {
    if (node == node_id_) {
      absl::StatusOr<int64_t> deleted = store_->Delete({id});
      if (!deleted.ok()) PHOTON_LOG(WARNING) << "freeing " << id.Hex() << " in the local store: " << deleted.status();
      continue;
    }
    const std::string address = nodes_->RayletAddress(node);
    if (address.empty() || nodes_->IsDead(node)) continue;
    rpc::RayletService::Stub* stub = &RayletStub(address);
    auto request = std::make_shared<rpc::FreeObjectsRequest>();
    request->add_object_ids(id.Binary());
    rpc::RetryPolicy policy;
    policy.max_attempts = 2;
    rpc::CallAsync<rpc::FreeObjectsReply>(
        loop_, "CoreWorker.FreeObjectsDone", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::FreeObjectsReply* reply, auto on_done) {
          stub->async()->FreeObjects(ctx, request.get(), reply, std::move(on_done));
        },
        [id, address](grpc::Status s, rpc::FreeObjectsReply) {
          if (!s.ok()) PHOTON_LOG(WARNING) << "freeing " << id.Hex() << " on " << address << ": " << s.error_message();
        });
  }
}

void CoreWorker::FreeAllOwned() {
  // The driver's objects end with it: delete every copy it knows of.
  absl::flat_hash_map<NodeID, std::vector<ObjectID>> by_node;
  for (const auto& [id, nodes] : refs_->OwnedLocations()) {
    for (const NodeID& node : nodes) by_node[node].push_back(id);
  }
  for (const auto& [node, ids] : by_node) {
    if (node == node_id_) {
      absl::StatusOr<int64_t> deleted = store_->Delete(ids);
      if (!deleted.ok()) PHOTON_LOG(WARNING) << "freeing objects at shutdown: " << deleted.status();
      continue;
    }
    const std::string address = nodes_->RayletAddress(node);
    if (address.empty() || nodes_->IsDead(node)) continue;
    rpc::FreeObjectsRequest request;
    for (const ObjectID& id : ids) request.add_object_ids(id.Binary());
    rpc::FreeObjectsReply reply;
    grpc::ClientContext ctx;
    rpc::SetAuthToken(&ctx, options_.token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    // Not RayletStub(): that cache belongs to the loop, still running.
    grpc::Status s = rpc::RayletService::NewStub(rpc::MakeChannel(address))->FreeObjects(&ctx, request, &reply);
    if (!s.ok()) PHOTON_LOG(WARNING) << "freeing objects on " << address << " at shutdown: " << s.error_message();
  }
}

rpc::CoreWorkerService::Stub& CoreWorker::OwnerStub(const std::string& address) {
  auto& stub = owner_stubs_[address];
  if (!stub) stub = rpc::CoreWorkerService::NewStub(rpc::MakeChannel(address));
  return *stub;
}

rpc::RayletService::Stub& CoreWorker::RayletStub(const std::string& address) {
  auto& stub = raylet_stubs_[address];
  if (!stub) stub = rpc::RayletService::NewStub(rpc::MakeChannel(address));
  return *stub;
}

void CoreWorker::RequestOwnerStatus(const ObjectID& id) {
  std::optional<rpc::Address> owner = refs_->OwnerOf(id);
  if (!owner) return;
  {
    absl::MutexLock lock(&mu_);
    if (!status_requested_.insert(id).second) return;
  }
  loop_.Post("CoreWorker.AskOwner", [this, id, owner = *owner] {
    const std::string address = absl::StrCat(owner.ip(), ":", owner.port());
    rpc::CoreWorkerService::Stub* stub = &OwnerStub(address);
    auto request = std::make_shared<rpc::GetObjectStatusRequest>();
    request->set_object_id(id.Binary());
    rpc::RetryPolicy policy;
    policy.attempt_timeout = std::chrono::hours(24 * 7);
    policy.max_attempts = 3;
    rpc::CallAsync<rpc::GetObjectStatusReply>(
        loop_, "CoreWorker.OwnerStatus", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::GetObjectStatusReply* reply, auto on_done) {
          stub->async()->GetObjectStatus(ctx, request.get(), reply, std::move(on_done));
        },
        [this, id, address](grpc::Status s, rpc::GetObjectStatusReply reply) {
          StoredObject value;
          if (!s.ok()) {
            value = ErrorObject(ErrorKind::kOwnerDied, absl::StrCat("the owner of object ", id.Hex(), " at ", address,
                                                                    " cannot be reached: ", s.error_message()));
          } else if (reply.status() == rpc::GetObjectStatusReply::FREED) {
            value = ErrorObject(ErrorKind::kObjectLost,
                                absl::StrCat("object ", id.Hex(), " was already freed by its owner at ", address));
          } else {
            value = StoredObject{reply.data(), reply.metadata(), reply.in_object_store()};
            absl::MutexLock lock(&mu_);
            borrowed_locations_[id].assign(reply.locations().begin(), reply.locations().end());
          }
          (void)memory_store_.Put(id, std::move(value));
        });
  });
}

std::vector<std::string> CoreWorker::HolderAddresses(const ObjectID& id) {
  std::vector<std::string> holders;
  if (refs_->IsOwned(id)) {
    for (const NodeID& node : refs_->Locations(id)) {
      if (node == node_id_ || nodes_->IsDead(node)) continue;
      const std::string a = nodes_->ObjectManagerAddress(node);
      if (!a.empty()) holders.push_back(a);
    }
  } else {
    absl::MutexLock lock(&mu_);
    auto it = borrowed_locations_.find(id);
    if (it != borrowed_locations_.end()) {
      for (const rpc::ObjectLocation& loc : it->second) {
        if (loc.object_manager_address() != object_manager_address_) holders.push_back(loc.object_manager_address());
      }
    }
  }
  return holders;
}

void CoreWorker::NoteLocalCopy(const ObjectID& id) {
  if (refs_->IsOwned(id)) {
    (void)refs_->AddLocation(id, node_id_);
    return;
  }
  std::optional<rpc::Address> owner = refs_->OwnerOf(id);
  if (!owner) return;
  loop_.Post("CoreWorker.ReportCopy", [this, id, owner = *owner] {
    rpc::CoreWorkerService::Stub* stub = &OwnerStub(absl::StrCat(owner.ip(), ":", owner.port()));
    auto request = std::make_shared<rpc::AddObjectLocationRequest>();
    request->set_object_id(id.Binary());
    request->set_node_id(node_id_.Binary());
    rpc::RetryPolicy policy;
    policy.max_attempts = 2;
    rpc::CallAsync<rpc::AddObjectLocationReply>(
        loop_, "CoreWorker.ReportCopyDone", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::AddObjectLocationReply* reply, auto on_done) {
          stub->async()->AddObjectLocation(ctx, request.get(), reply, std::move(on_done));
        },
        [](grpc::Status, rpc::AddObjectLocationReply) {});
  });
}

absl::StatusOr<std::shared_ptr<const StoredObject>> CoreWorker::FetchFromStore(
    const ObjectID& id, std::chrono::steady_clock::time_point deadline) {
  bool pulled = false;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<object_store::ObjectBuffer> got, store_->Get({id}, 0));
    if (!got.empty() && got[0].found) {
      auto value = std::make_shared<StoredObject>();
      value->data.assign(reinterpret_cast<const char*>(got[0].data), got[0].data_size);
      (void)store_->Release(id);
      if (pulled) NoteLocalCopy(id);
      return std::shared_ptr<const StoredObject>(std::move(value));
    }
    std::vector<std::string> holders = HolderAddresses(id);
    std::string why;
    if (!holders.empty()) {
      rpc::PullObjectRequest request;
      request.set_object_id(id.Binary());
      for (const std::string& h : holders) request.add_holders(h);
      // Pull in bounded rounds: between rounds the owner's view can change
      // (a holder died, the object is being rebuilt).
      const auto left = std::min<std::chrono::milliseconds>(
          std::chrono::seconds(5),
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      request.set_timeout_ms(std::max<int64_t>(1, left.count()));
      rpc::PullObjectReply reply;
      grpc::ClientContext ctx;
      rpc::SetAuthToken(&ctx, options_.token);
      ctx.set_deadline(std::chrono::system_clock::now() + left + std::chrono::seconds(1));
      grpc::Status s = local_raylet_->PullObject(&ctx, request, &reply);
      if (s.ok()) {
        pulled = true;
        continue;
      }
      why = s.error_message();
    } else {
      why = "no node holds a copy";
    }
    // The owner's record changed (being rebuilt, or failed): let Get look again.
    if (refs_->IsOwned(id)) {
      std::shared_ptr<const StoredObject> now = memory_store_.GetIfPresent(id);
      if (now == nullptr || !now->in_object_store) return std::shared_ptr<const StoredObject>();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return ErrorStatus(ErrorKind::kGetTimeout, absl::StrCat("object ", id.Hex(), " not fetched in time: ", why));
    }
    const bool owned = refs_->IsOwned(id);
    if (owned && refs_->Locations(id).empty()) {
      std::optional<Reference> ref = refs_->GetReference(id);
      if (!ref || !ref->lineage_task) {
        return ErrorStatus(ErrorKind::kObjectLost,
                           absl::StrCat("object ", id.Hex(), " is lost: every copy is gone (", why,
                                        ") and a put object cannot be rebuilt"));
      }
    }
    if (!owned && holders.empty()) {
      return ErrorStatus(ErrorKind::kObjectLost, absl::StrCat("object ", id.Hex(), " is lost: ", why));
    }
    // A node may be dying: try again once the cluster view has caught up.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> CoreWorker::Get(const std::vector<ObjectID>& ids,
                                                                                 std::chrono::milliseconds timeout) {
  for (const ObjectID& id : ids) {
    if (!refs_->Has(id)) {
      return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not known to this process (freed, or never created here)"));
    }
    if (!refs_->IsOwned(id) && memory_store_.GetIfPresent(id) == nullptr) RequestOwnerStatus(id);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = timeout.count() < 0 ? std::chrono::steady_clock::time_point::max() : start + timeout;
  auto remaining = [&]() {
    if (timeout.count() < 0) return MemoryStore::kForever;
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  };
  auto timed_out = [&](const std::vector<ObjectID>& wanted) {
    size_t missing = 0;
    for (const ObjectID& id : wanted) missing += memory_store_.Contains(id) ? 0 : 1;
    return ErrorStatus(ErrorKind::kGetTimeout,
                       absl::StrCat("get timed out after ", timeout.count(), " ms: ", missing, " of ", ids.size(),
                                    " objects not ready (first: ", wanted[0].Hex(), ")"));
  };
  // One wait for all of them, then fetch what lives in object stores.
  absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> all = memory_store_.Get(ids, remaining());
  if (!all.ok()) return timed_out(ids);
  std::vector<std::shared_ptr<const StoredObject>> out = *std::move(all);
  for (size_t i = 0; i < ids.size(); i++) {
    while (true) {
      std::shared_ptr<const StoredObject> value = out[i];
      const ErrorKind kind = ErrorKindOfObject(*value);
      if (kind != ErrorKind::kNone) return ErrorStatus(kind, value->data);
      if (!value->in_object_store) break;
      ASSIGN_OR_RETURN(std::shared_ptr<const StoredObject> fetched, FetchFromStore(ids[i], deadline));
      if (fetched) {
        out[i] = std::move(fetched);
        break;
      }
      // Being rebuilt: wait for its new value.
      absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> again =
          memory_store_.Get({ids[i]}, remaining());
      if (!again.ok()) return timed_out({ids[i]});
      out[i] = (*again)[0];
    }
  }
  return out;
}

absl::StatusOr<std::vector<bool>> CoreWorker::Wait(const std::vector<ObjectID>& ids, int num_returns,
                                                   std::chrono::milliseconds timeout) {
  if (num_returns < 0 || static_cast<size_t>(num_returns) > ids.size()) {
    return absl::InvalidArgumentError(absl::StrCat("wait: num_returns is ", num_returns, " but ", ids.size(),
                                                   " references were given"));
  }
  absl::flat_hash_set<ObjectID> seen;
  for (const ObjectID& id : ids) {
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError("wait: object " + id.Hex() + " is listed twice");
    }
    if (!refs_->Has(id)) return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not known to this process"));
    if (!refs_->IsOwned(id) && memory_store_.GetIfPresent(id) == nullptr) RequestOwnerStatus(id);
  }
  return memory_store_.Wait(ids, num_returns, timeout);
}

// ---------------------------------------------------------------- tasks

absl::StatusOr<ObjectID> CoreWorker::SubmitTask(const std::string& function, std::vector<TaskArg> args,
                                                const TaskOptions& options) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  for (const auto& [name, amount] : options.resources) {
    if (name.empty() || !(amount >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat("task ", function, ": bad resource '", name, "': ", amount));
    }
  }
  auto task = std::make_shared<PendingTask>();
  task->spec = std::make_shared<rpc::TaskSpec>();
  rpc::TaskSpec& spec = *task->spec;
  const TaskID task_id = TaskID::Of(nil_actor_);
  spec.set_task_id(task_id.Binary());
  spec.set_job_id(job_.Binary());
  spec.set_function_name(function);
  spec.set_num_returns(1);
  *spec.mutable_caller() = address_;
  for (const auto& [name, amount] : options.resources) {
    if (amount > 0) (*spec.mutable_resources()->mutable_amounts())[name] = amount;
  }
  *spec.mutable_strategy() = options.strategy;
  spec.set_max_retries(options.max_retries);
  for (TaskArg& a : args) {
    rpc::TaskArg* arg = spec.add_args();
    if (a.is_ref) {
      std::optional<rpc::Address> owner = refs_->OwnerOf(a.ref);
      if (!owner) return absl::NotFoundError(absl::StrCat("task ", function, ": argument object ", a.ref.Hex(),
                                                          " is not known to this process"));
      arg->set_is_ref(true);
      arg->mutable_ref()->set_object_id(a.ref.Binary());
      *arg->mutable_ref()->mutable_owner() = *owner;
      task->arg_refs.push_back(a.ref);
    } else {
      arg->set_value(std::move(a.value));
      for (const ObjectID& nested : a.nested_refs) {
        std::optional<rpc::Address> owner = refs_->OwnerOf(nested);
        if (!owner) continue;
        rpc::ObjectRefInfo* info = arg->add_nested_refs();
        info->set_object_id(nested.Binary());
        *info->mutable_owner() = *owner;
        task->arg_refs.push_back(nested);
      }
    }
  }
  RETURN_IF_ERROR(refs_->AddSubmittedTaskReferences(task->arg_refs));
  task->return_id = ObjectID::FromIndex(task_id, 1);
  RETURN_IF_ERROR(refs_->AddOwnedObject(task->return_id, -1, task_id));
  RETURN_IF_ERROR(refs_->AddLocalReference(task->return_id));
  {
    absl::MutexLock lock(&mu_);
    return_to_task_[task->return_id] = task_id;
    num_pending_++;
  }
  RecordEvent(spec, rpc::SUBMITTED, NodeID::Nil(), WorkerID::Nil(), "", function);
  const ObjectID return_id = task->return_id;
  // Tasks submitted while the loop is busy go over in one handler.
  bool first;
  {
    absl::MutexLock lock(&submit_mu_);
    first = to_submit_.empty();
    to_submit_.push_back(std::move(task));
  }
  if (first) loop_.Post("CoreWorker.Submit", [this] { DrainSubmissions(); });
  return return_id;
}

void CoreWorker::DrainSubmissions() {
  std::vector<std::shared_ptr<PendingTask>> tasks;
  {
    absl::MutexLock lock(&submit_mu_);
    tasks.swap(to_submit_);
  }
  for (std::shared_ptr<PendingTask>& task : tasks) {
    pending_[task->spec->task_id()] = task;
    ResolveAndSubmit(std::move(task));
  }
}

void CoreWorker::ResolveAndSubmit(std::shared_ptr<PendingTask> task) {
  // Arguments passed by reference: wait until each is ready, inline small
  // values, and send the locations of large ones.
  for (int i = 0; i < task->spec->args_size(); i++) {
    rpc::TaskArg* arg = task->spec->mutable_args(i);
    if (!arg->is_ref()) continue;
    const ObjectID id = *ObjectID::FromBinary(arg->ref().object_id());
    if (!refs_->IsOwned(id)) continue;  // the worker asks its owner
    std::shared_ptr<const StoredObject> value = memory_store_.GetIfPresent(id);
    if (value == nullptr) {
      memory_store_.GetAsync(id, [this, task](std::shared_ptr<const StoredObject>) {
        loop_.Post("CoreWorker.ArgReady", [this, task] { ResolveAndSubmit(task); });
      });
      return;
    }
    const ErrorKind kind = ErrorKindOfObject(*value);
    if (kind != ErrorKind::kNone) {
      // A failed argument fails the task the same way.
      OnTaskFailure(*task->spec, kind == ErrorKind::kTaskError ? ErrorKind::kTaskError : kind,
                    absl::StrCat("argument ", i, " (object ", id.Hex(), ") failed: ", value->data));
      return;
    }
    if (!value->in_object_store) {
      arg->set_is_ref(false);
      arg->set_value(value->data);
      arg->clear_ref();
      continue;
    }
    arg->clear_locations();
    for (const NodeID& node : refs_->Locations(id)) {
      rpc::ObjectLocation* loc = arg->add_locations();
      loc->set_node_id(node.Binary());
      loc->set_object_manager_address(nodes_->ObjectManagerAddress(node));
    }
  }
  submitter_->Submit(task->spec);
}

void CoreWorker::RecordEvent(const rpc::TaskSpec& spec, rpc::TaskState state, const NodeID& node,
                             const WorkerID& worker, const std::string& error, const std::string& function) {
  if (!events_) return;
  absl::StatusOr<TaskID> id = TaskID::FromBinary(spec.task_id());
  if (id.ok()) events_->Record(*id, spec.attempt(), state, node, worker, function, error);
}

void CoreWorker::OnTaskReply(const rpc::TaskSpec& spec, const rpc::TaskReply& reply, const NodeID& node,
                             const WorkerID& worker) {
  auto it = pending_.find(spec.task_id());
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  if (reply.outcome() == rpc::TaskReply::SYSTEM_ERROR) {
    return OnTaskFailure(spec, ErrorKind::kObjectLost, reply.error_message());
  }
  // Borrowers first, so dropping the submitted-task references below cannot free them.
  for (const std::string& b : reply.borrowed_object_ids()) {
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(b);
    if (id.ok() && refs_->IsOwned(*id)) (void)refs_->AddBorrower(*id, reply.borrower());
  }
  bool in_store = false;
  if (reply.outcome() == rpc::TaskReply::OK) {
    for (const rpc::ReturnObject& r : reply.returns()) {
      absl::StatusOr<ObjectID> id = ObjectID::FromBinary(r.object_id());
      if (!id.ok()) continue;
      if (r.in_object_store()) {
        in_store = true;
        absl::StatusOr<NodeID> at = NodeID::FromBinary(r.node_id());
        if (refs_->IsOwned(*id) && at.ok()) (void)refs_->AddLocation(*id, *at);
        (void)memory_store_.Put(*id, StoredObject{"", "", true});
      } else {
        (void)memory_store_.Put(*id, StoredObject{r.data(), "", false});
      }
    }
    RecordEvent(spec, rpc::FINISHED, node, worker);
  } else {
    (void)memory_store_.Put(task->return_id, ErrorObject(ErrorKind::kTaskError, reply.error_message()));
    RecordEvent(spec, rpc::FAILED, node, worker, reply.error_message());
  }
  if (in_store && refs_->Has(task->return_id)) lineage_[task->return_id] = spec;
  FinishTask(spec.task_id(), in_store);
}

void CoreWorker::FinishTask(const std::string& task_id, bool keep_lineage) {
  auto it = pending_.find(task_id);
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  pending_.erase(it);
  (void)keep_lineage;
  absl::Status s = refs_->RemoveSubmittedTaskReferences(task->arg_refs);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
  absl::MutexLock lock(&mu_);
  num_pending_--;
}

void CoreWorker::OnTaskFailure(const rpc::TaskSpec& spec, ErrorKind kind, const std::string& message) {
  auto it = pending_.find(spec.task_id());
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  const bool retriable = kind == ErrorKind::kWorkerCrashed || kind == ErrorKind::kNodeDied;
  const int max_retries = spec.max_retries();
  if (retriable && !shut_down_ && (max_retries < 0 || spec.attempt() < max_retries)) {
    RecordEvent(spec, rpc::FAILED, NodeID::Nil(), WorkerID::Nil(), message);
    PHOTON_LOG(INFO) << "task " << spec.function_name() << " " << Short(TaskID::FromBinary(spec.task_id())->Hex())
                     << " attempt " << spec.attempt() << " failed (" << message << "); retrying";
    if (task->spec.get() != &spec) *task->spec = spec;
    task->spec->set_attempt(task->spec->attempt() + 1);
    ResolveAndSubmit(task);
    return;
  }
  std::string full = message;
  if (retriable && spec.attempt() > 0) absl::StrAppend(&full, " (after ", spec.attempt() + 1, " attempts)");
  (void)memory_store_.Put(task->return_id, ErrorObject(kind, full));
  RecordEvent(spec, rpc::FAILED, NodeID::Nil(), WorkerID::Nil(), full);
  FinishTask(spec.task_id(), false);
}

absl::Status CoreWorker::Cancel(const ObjectID& id, bool force) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  TaskID task;
  {
    absl::MutexLock lock(&mu_);
    auto it = return_to_task_.find(id);
    if (it == return_to_task_.end()) {
      return absl::NotFoundError("object " + id.Hex() + " is not the result of a task submitted by this process");
    }
    task = it->second;
  }
  std::promise<bool> found;
  loop_.Post("CoreWorker.Cancel", [&] {
    bool known = submitter_->Cancel(task, force);
    if (!known && pending_.count(task.Binary())) {
      // Waiting for its arguments: fail it now.
      OnTaskFailure(*pending_[task.Binary()]->spec, ErrorKind::kTaskCancelled, "task " + task.Hex() + " was cancelled");
      known = true;
    }
    found.set_value(known);
  });
  if (!found.get_future().get()) return absl::NotFoundError("task " + task.Hex() + " already finished");
  return absl::OkStatus();
}

void CoreWorker::OnNodeDead(const NodeID& node) {
  std::vector<ObjectID> lost = refs_->OnNodeDead(node);
  for (const ObjectID& id : lost) {
    auto it = lineage_.find(id);
    const int max_retries = it == lineage_.end() ? 0 : it->second.max_retries();
    if (it == lineage_.end() || (max_retries >= 0 && it->second.attempt() >= max_retries)) {
      memory_store_.Delete({id});
      (void)memory_store_.Put(
          id, ErrorObject(ErrorKind::kObjectLost,
                          absl::StrCat("object ", id.Hex(), " is lost: its only copy was on node ", node.Hex(),
                                       ", which died, and it cannot be rebuilt",
                                       it == lineage_.end() ? " (a put object, or its task's lineage is gone)"
                                                            : " (its task is out of retries)")));
      continue;
    }
    // Rebuild: run the task that made it again.
    rpc::TaskSpec spec = it->second;
    lineage_.erase(it);
    bool args_alive = true;
    auto task = std::make_shared<PendingTask>();
    for (const rpc::TaskArg& a : spec.args()) {
      if (!a.is_ref()) continue;
      const ObjectID arg = *ObjectID::FromBinary(a.ref().object_id());
      if (!refs_->Has(arg)) args_alive = false;
      task->arg_refs.push_back(arg);
    }
    if (!args_alive || !refs_->AddSubmittedTaskReferences(task->arg_refs).ok()) {
      memory_store_.Delete({id});
      (void)memory_store_.Put(id, ErrorObject(ErrorKind::kObjectLost,
                                              absl::StrCat("object ", id.Hex(), " is lost with node ", node.Hex(),
                                                           " and its task's arguments are gone")));
      continue;
    }
    PHOTON_LOG(INFO) << "object " << id.Hex() << " was lost with node " << Short(node.Hex()) << "; re-running task "
                     << spec.function_name() << " to rebuild it";
    memory_store_.Delete({id});
    spec.set_attempt(spec.attempt() + 1);
    task->spec = std::make_shared<rpc::TaskSpec>(std::move(spec));
    task->return_id = id;
    {
      absl::MutexLock lock(&mu_);
      num_pending_++;
    }
    pending_[task->spec->task_id()] = task;
    ResolveAndSubmit(task);
  }
}

// ---------------------------------------------------------------- execution

void CoreWorker::ReturnOwnLease(int64_t lease_id) {
  // Usually the submitter has returned it already (NotFound); this covers a
  // submitter that died holding it.
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(lease_id);
  rpc::ReturnWorkerReply reply;
  grpc::ClientContext ctx;
  rpc::SetAuthToken(&ctx, options_.token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Status s = local_raylet_->ReturnWorker(&ctx, request, &reply);
  if (s.ok()) PHOTON_LOG(INFO) << "lease " << lease_id << " ended with its submitter's stream; returned it";
}

rpc::TaskReply CoreWorker::Execute(const rpc::TaskSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  rpc::TaskReply reply;
  reply.set_task_id(spec.task_id());
  reply.set_attempt(spec.attempt());
  const TaskID task_id = *TaskID::FromBinary(spec.task_id());
  current_task = task_id;
  in_task = true;
  if (spec.gpu_ids_size() > 0) {
    std::vector<std::string> ids;
    for (int g : spec.gpu_ids()) ids.push_back(std::to_string(g));
    setenv("CUDA_VISIBLE_DEVICES", absl::StrJoin(ids, ",").c_str(), 1);
  }
  RecordEvent(spec, rpc::RUNNING, node_id_, worker_id_);

  std::vector<std::string> args;
  args.reserve(spec.args_size());
  std::vector<ObjectID> nested;
  absl::Status arg_status;
  for (int i = 0; i < spec.args_size() && arg_status.ok(); i++) {
    const rpc::TaskArg& a = spec.args(i);
    for (const rpc::ObjectRefInfo& n : a.nested_refs()) {
      absl::StatusOr<ObjectID> id = ObjectID::FromBinary(n.object_id());
      if (id.ok()) nested.push_back(*id);
    }
    if (!a.is_ref()) {
      args.push_back(a.value());
      continue;
    }
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(a.ref().object_id());
    if (!id.ok()) {
      arg_status = id.status();
      break;
    }
    // Borrow it for the call, starting from the locations the submitter sent.
    AddBorrowedReference(*id, a.ref().owner());
    if (!refs_->IsOwned(*id) && a.locations_size() > 0 && memory_store_.GetIfPresent(*id) == nullptr) {
      {
        absl::MutexLock lock(&mu_);
        borrowed_locations_[*id].assign(a.locations().begin(), a.locations().end());
        status_requested_.insert(*id);
      }
      (void)memory_store_.Put(*id, StoredObject{"", "", true});
    }
    absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> got = Get({*id}, MemoryStore::kForever);
    RemoveLocalReference(*id);
    if (!got.ok()) {
      arg_status = absl::Status(got.status().code(),
                                absl::StrCat("argument ", i, " of ", spec.function_name(), ": ", got.status().message()));
      break;
    }
    args.push_back((*got)[0]->data);
  }

  const ObjectID return_id = ObjectID::FromIndex(task_id, 1);
  if (!arg_status.ok()) {
    reply.set_outcome(rpc::TaskReply::SYSTEM_ERROR);
    reply.set_error_message(std::string(arg_status.message()));
  } else {
    absl::StatusOr<std::string> result = options_.execute(spec.function_name(), args);
    if (!result.ok()) {
      reply.set_outcome(rpc::TaskReply::APPLICATION_ERROR);
      char host[256] = {0};
      gethostname(host, sizeof(host) - 1);
      reply.set_error_message(absl::StrCat(result.status().message(), "\n  (task ", spec.function_name(), " ",
                                           Short(task_id.Hex()), ", attempt ", spec.attempt(), ", on ", host,
                                           " pid ", getpid(), " node ", Short(node_id_.Hex()), ")"));
    } else {
      rpc::ReturnObject* r = reply.add_returns();
      r->set_object_id(return_id.Binary());
      r->set_size(static_cast<int64_t>(result->size()));
      if (static_cast<int64_t>(result->size()) > kMaxInlineBytes) {
        absl::Status s = StoreLarge(return_id, *result, spec.caller());
        if (s.code() == absl::StatusCode::kAlreadyExists) s = absl::OkStatus();  // a retry of a task whose copy survived
        if (!s.ok()) {
          reply.clear_returns();
          reply.set_outcome(rpc::TaskReply::SYSTEM_ERROR);
          reply.set_error_message(absl::StrCat("storing the ", result->size(), "-byte result of ",
                                               spec.function_name(), " failed: ", s.message()));
        } else {
          r->set_in_object_store(true);
          r->set_node_id(node_id_.Binary());
        }
      } else {
        r->set_data(std::move(*result));
      }
    }
  }
  // References the task kept (deserialized and still alive) are borrowed now.
  for (const ObjectID& id : nested) {
    std::optional<Reference> ref = refs_->GetReference(id);
    if (!ref || ref->owned || ref->local_refs == 0) continue;
    reply.add_borrowed_object_ids(id.Binary());
    *reply.mutable_borrower() = address_;
    absl::MutexLock lock(&mu_);
    reported_borrows_.insert(id);
  }
  in_task = false;
  reply.set_run_micros(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
  return reply;
}

}  // namespace core
}  // namespace photon
