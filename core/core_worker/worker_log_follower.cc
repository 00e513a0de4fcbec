#include "core/core_worker/worker_log_follower.h"

#include <unistd.h>

#include <chrono>
#include <future>

#include "absl/base/call_once.h"
#include "core/common/logging.h"

namespace photon {
namespace core {

WorkerLogFollower::WorkerLogFollower(gcs::GcsClient& gcs, const JobID& job) : gcs_(gcs), printer_(job, STDOUT_FILENO) {}

WorkerLogFollower::~WorkerLogFollower() { Stop(); }

void WorkerLogFollower::Start() {
  auto subscribed = std::make_shared<std::promise<void>>();
  auto once = std::make_shared<absl::once_flag>();
  gcs::GcsSubscriber::Callbacks callbacks;
  // The first reply is an (empty) snapshot: the GCS never replays old output.
  callbacks.on_snapshot = [subscribed, once](const std::vector<rpc::PubMessage>&) {
    absl::call_once(*once, [&] { subscribed->set_value(); });
  };
  callbacks.on_message = [this](const rpc::PubMessage& m) {
    if (m.has_worker_logs()) printer_.Print(m.worker_logs());
  };
  subscriber_ = std::make_unique<gcs::GcsSubscriber>(gcs_, std::vector<rpc::Channel>{rpc::WORKER_LOGS}, callbacks);
  subscriber_->Start();
  if (subscribed->get_future().wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    PHOTON_LOG(WARNING) << "no answer yet from the GCS to the worker output subscription; early output may be missed";
  }
}

void WorkerLogFollower::RequestStop() {
  if (subscriber_) subscriber_->RequestStop();
}

void WorkerLogFollower::Stop() {
  if (subscriber_) subscriber_->Stop();
}

}  // namespace core
}  // namespace photon
