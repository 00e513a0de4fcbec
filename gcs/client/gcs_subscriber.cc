#include "gcs/client/gcs_subscriber.h"

#include "core/common/logging.h"

namespace photon {
namespace gcs {

GcsSubscriber::GcsSubscriber(GcsClient& client, std::vector<rpc::Channel> channels,
                             Callbacks callbacks, std::chrono::milliseconds poll_timeout)
    : client_(client),
      channels_(std::move(channels)),
      callbacks_(std::move(callbacks)),
      poll_timeout_(poll_timeout) {}

GcsSubscriber::~GcsSubscriber() { Stop(); }

void GcsSubscriber::Start() { thread_ = std::thread([this] { Run(); }); }

void GcsSubscriber::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void GcsSubscriber::Run() {
  std::string epoch;
  int64_t after_seq = 0;
  std::chrono::milliseconds backoff(100);
  while (!stopping_) {
    rpc::PollRequest request;
    for (rpc::Channel c : channels_) request.add_channels(c);
    request.set_publisher_epoch(epoch);
    request.set_after_seq(after_seq);
    request.set_timeout_ms(static_cast<int32_t>(poll_timeout_.count()));
    absl::StatusOr<rpc::PollReply> reply = client_.Poll(request);
    if (!reply.ok()) {
      PHOTON_LOG(DEBUG) << "pubsub poll failed, retrying: " << reply.status();
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      continue;
    }
    backoff = std::chrono::milliseconds(100);
    epoch = reply->publisher_epoch();
    after_seq = reply->last_seq();
    if (reply->is_snapshot()) {
      std::vector<rpc::PubMessage> all(reply->messages().begin(), reply->messages().end());
      if (callbacks_.on_snapshot) callbacks_.on_snapshot(all);
      continue;
    }
    for (const rpc::PubMessage& m : reply->messages()) {
      if (callbacks_.on_message) callbacks_.on_message(m);
    }
  }
}

}  // namespace gcs
}  // namespace photon
