#include <iostream>

#include "absl/time/clock.h"
#include "cli/autoscaler_format.h"
#include "cli/command_flags.h"
#include "cli/commands.h"
#include "cli/status_format.h"
#include "core/common/flags.h"
#include "core/common/session.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace cli {

int RunStatus(const std::vector<std::string>& args) {
  FlagSet flags("photon status", "Show the cluster's nodes and resources.");
  flags.AddString("address", "", "HOST:PORT of the GCS (default: this machine's latest session)");
  if (int exit_code = ParseCommandFlags(flags, args); exit_code >= 0) return exit_code;
  std::string address = flags.GetString("address");
  if (address.empty()) {
    absl::StatusOr<Session> session = Session::Latest();
    absl::StatusOr<std::string> from_session =
        session.ok() ? session->ReadGcsAddress() : absl::StatusOr<std::string>(session.status());
    if (!from_session.ok()) {
      std::cerr << "photon status: " << from_session.status().message() << "\n";
      return 1;
    }
    address = *from_session;
  }
  absl::StatusOr<std::string> token = ResolveClusterToken();
  if (!token.ok()) {
    std::cerr << "photon status: " << token.status().message() << "\n";
    return 1;
  }
  rpc::RetryPolicy retry;
  retry.max_attempts = 3;
  retry.attempt_timeout = std::chrono::milliseconds(5000);
  gcs::GcsClient client({address, *token, retry});
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client.GetAllNodes();
  absl::StatusOr<std::vector<rpc::ResourceUsage>> usages =
      nodes.ok() ? client.GetAllResourceUsage() : absl::StatusOr<std::vector<rpc::ResourceUsage>>(nodes.status());
  if (!usages.ok()) {
    std::cerr << "photon status: " << usages.status().message() << "\n";
    return 1;
  }
  std::cout << FormatStatus(*nodes, *usages, absl::Now());
  absl::StatusOr<rpc::GetClusterStatusReply> cluster = client.GetClusterStatus();
  if (cluster.ok()) std::cout << FormatAutoscaler(cluster->autoscaler_report());
  return 0;
}

}  // namespace cli
}  // namespace photon
