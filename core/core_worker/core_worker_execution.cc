// CoreWorker: running pushed tasks (worker processes).
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

// The task running on this thread (execution thread of a worker).
thread_local TaskID current_task;
thread_local bool in_task = false;

std::string Short(const std::string& hex) { return hex.substr(0, 12); }

}  // namespace

// ---------------------------------------------------------------- execution

TaskID CoreWorker::CurrentTask() const { return in_task ? current_task : driver_task_; }


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

  TaskArgValues args;
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
      args.push_back(std::make_shared<const StoredObject>(StoredObject{a.value(), "", false}));
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
      // (Keeping the error's kind and language value.)
      got.status().ForEachPayload(
          [&arg_status](absl::string_view url, const absl::Cord& payload) { arg_status.SetPayload(url, payload); });
      break;
    }
    args.push_back((*got)[0]);
  }

  if (!arg_status.ok() && ErrorKindOf(arg_status) == ErrorKind::kTaskError) {
    // A borrowed argument whose task raised: this task raises the same error.
    reply.set_outcome(rpc::TaskReply::APPLICATION_ERROR);
    reply.set_error_message(std::string(arg_status.message()));
    reply.set_error_payload(ErrorValueOf(arg_status));
  } else if (!arg_status.ok()) {
    reply.set_outcome(rpc::TaskReply::SYSTEM_ERROR);
    reply.set_error_message(std::string(arg_status.message()));
  } else {
    absl::StatusOr<std::vector<std::string>> results = options_.execute(spec, args);
    // (An actor's constructor returns nothing.)
    const int expected = spec.actor_creation() ? 0 : spec.num_returns();
    if (results.ok() && static_cast<int>(results->size()) != expected) {
      results = absl::InvalidArgumentError(absl::StrCat(spec.function_name(), " returned ", results->size(),
                                                        " values but num_returns is ", expected));
    }
    if (!results.ok()) {
      reply.set_outcome(rpc::TaskReply::APPLICATION_ERROR);
      char host[256] = {0};
      gethostname(host, sizeof(host) - 1);
      reply.set_error_message(absl::StrCat(results.status().message(), "\n  (task ", spec.function_name(), " ",
                                           Short(task_id.Hex()), ", attempt ", spec.attempt(), ", on ", host,
                                           " pid ", getpid(), " node ", Short(node_id_.Hex()), ")"));
      reply.set_error_payload(ErrorValueOf(results.status()));
    } else {
      for (size_t i = 0; i < results->size(); i++) {
        std::string& result = (*results)[i];
        const ObjectID return_id = ObjectID::FromIndex(task_id, static_cast<int>(i) + 1);
        rpc::ReturnObject* r = reply.add_returns();
        r->set_object_id(return_id.Binary());
        r->set_size(static_cast<int64_t>(result.size()));
        if (static_cast<int64_t>(result.size()) <= kMaxInlineBytes) {
          r->set_data(std::move(result));
          continue;
        }
        absl::Status s = StoreLarge(return_id, result, spec.caller());
        if (s.code() == absl::StatusCode::kAlreadyExists) s = absl::OkStatus();  // a retry of a task whose copy survived
        if (!s.ok()) {
          reply.clear_returns();
          reply.set_outcome(rpc::TaskReply::SYSTEM_ERROR);
          reply.set_error_message(absl::StrCat("storing the ", result.size(), "-byte result ", i + 1, " of ",
                                               spec.function_name(), " failed: ", s.message()));
          break;
        }
        r->set_in_object_store(true);
        r->set_node_id(node_id_.Binary());
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
