#pragma once

// InstanceStore: every node the autoscaler asked for, with its state, in
// the GCS's internal KV (namespace "autoscaler", key "instances", JSON), so
// a restarted autoscaler adopts what exists and launches nothing twice. An
// instance is recorded (kRequested) before the provider is asked, and its
// id is deterministic (photon-<type>-<n>, n from a persistent counter), so a
// launch repeated after a crash is the same launch.
//
//   InstanceStore store(gcs);
//   RETURN_IF_ERROR(store.Load());
//   Instance& i = store.Add("cpu2", now_ms);   // then provider->Launch(i.id, ...)
//   store.SetState(i.id, InstanceState::kRunning, now_ms);
//   RETURN_IF_ERROR(store.Save());
//
// Thread-compatible (the autoscaler's loop owns it).

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "autoscaler/scaling_policy.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace autoscaler {

struct Instance {
  std::string id;
  std::string node_type;
  InstanceState state = InstanceState::kRequested;
  int64_t launched_ms = 0;
  int64_t state_since_ms = 0;
  std::string node_id;  // hex, once its raylet registered
  std::string message;  // why it failed, or what it waits for
};

class InstanceStore {
 public:
  explicit InstanceStore(gcs::GcsClient& gcs) : gcs_(gcs) {}

  absl::Status Load();
  absl::Status Save();

  // A new instance of `type`, kRequested.
  Instance& Add(const std::string& type, int64_t now_ms);
  void SetState(const std::string& id, InstanceState state, int64_t now_ms, const std::string& message = "");

  std::map<std::string, Instance>& instances() { return instances_; }
  int64_t failed_launches() const { return failed_launches_; }

 private:
  gcs::GcsClient& gcs_;
  std::map<std::string, Instance> instances_;
  int64_t next_index_ = 1;
  int64_t failed_launches_ = 0;
};

InstanceState ParseInstanceState(const std::string& name);

}  // namespace autoscaler
}  // namespace photon
