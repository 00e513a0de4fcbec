#pragma once
// LocalCluster: a GCS and one raylet started for one driver process, in a
// private session directory, stopped with it (photon::Init with no address).
// The children also die with the driver (PR_SET_PDEATHSIG).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace photon {
namespace api_internal {

class LocalCluster {
 public:
  struct Options {
    double num_cpus = -1;
    double num_gpus = -1;
    int64_t object_store_memory = -1;
    std::map<std::string, double> resources;
  };
  static absl::StatusOr<std::unique_ptr<LocalCluster>> Start(const Options& options);
  ~LocalCluster();
  void Stop();

  const std::string& gcs_address() const { return gcs_address_; }
  const std::string& token() const { return token_; }
  const std::string& session_dir() const { return session_dir_; }

 private:
  LocalCluster() = default;
  absl::StatusOr<int> Spawn(const std::string& binary, const std::vector<std::string>& args, const std::string& log);

  std::string gcs_address_;
  std::string token_;
  std::string session_dir_;
  std::vector<int> pids_;
};

// Where photon-gcs / photon-raylet are: PHOTON_BIN_DIR, next to this
// executable, or in build/bin of the working directory.
absl::StatusOr<std::string> FindPhotonBinary(const std::string& name);

}  // namespace api_internal
}  // namespace photon
