// Starting a local cluster for a driver, and finding a running one.
#include <map>
#include <memory>

#include "core/cluster/local_cluster.h"
#include "core/common/logging.h"
#include "core/common/session.h"
#include "absl/strings/escaping.h"
#include "core/rpc/addresses.h"
#include "core/common/event_loop.h"
#include "core/rpc/raylet_client.h"
#include "gcs/client/gcs_client.h"
#include "python/photon/_core/bind.h"

namespace photon {
namespace python {
namespace {

// A probe: one short attempt, so a test's polling loop never stalls.
rpc::RetryPolicy OneAttempt() {
  rpc::RetryPolicy once;
  once.max_attempts = 1;
  once.attempt_timeout = std::chrono::milliseconds(2000);
  return once;
}

}  // namespace

void BindCluster(py::module_& m) {
  py::class_<cluster::LocalCluster>(m, "LocalCluster")
      .def_static(
          "start",
          [](double num_cpus, double num_gpus, int64_t object_store_memory, std::map<std::string, double> resources) {
            cluster::LocalCluster::Options options;
            options.num_cpus = num_cpus;
            options.num_gpus = num_gpus;
            options.object_store_memory = object_store_memory;
            options.resources = std::move(resources);
            // The daemons beside this package's checkout, as find_binary finds them.
            options.binary_search = PackageBinarySearch();
            absl::StatusOr<std::unique_ptr<cluster::LocalCluster>> started;
            {
              py::gil_scoped_release release;
              started = cluster::LocalCluster::Start(options);
            }
            if (!started.ok()) RaiseStatus(started.status());
            return std::move(*started);
          },
          py::arg("num_cpus") = -1.0, py::arg("num_gpus") = -1.0, py::arg("object_store_memory") = -1,
          py::arg("resources") = std::map<std::string, double>())
      .def("stop",
           [](cluster::LocalCluster& c) {
             py::gil_scoped_release release;
             c.Stop();
           })
      .def_property_readonly("gcs_address", &cluster::LocalCluster::gcs_address)
      .def_property_readonly("token", &cluster::LocalCluster::token)
      .def_property_readonly("session_dir", &cluster::LocalCluster::session_dir);

  // The GCS address and session directory of the latest session on this
  // machine; None when there is none.
  m.def("latest_session", []() -> py::object {
    absl::StatusOr<Session> latest = Session::Latest();
    if (!latest.ok()) return py::none();
    absl::StatusOr<std::string> gcs = latest->ReadGcsAddress();
    if (!gcs.ok()) return py::none();
    return py::make_tuple(*gcs, latest->dir());
  });
  // The cluster token: PHOTON_CLUSTER_TOKEN, or the latest session's.
  m.def("resolve_token", []() {
    absl::StatusOr<std::string> token = ResolveClusterToken();
    if (!token.ok()) RaiseStatus(token.status());
    return *token;
  });
  // The nodes the GCS at `address` knows, as [(node id bytes, alive)], with
  // one quick attempt: for tools and test fixtures that watch a cluster
  // without joining it as a driver.
  m.def("gcs_nodes", [](const std::string& address, const std::string& token) {
    rpc::RetryPolicy once;
    once.max_attempts = 1;
    once.attempt_timeout = std::chrono::milliseconds(2000);
    absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes;
    {
      py::gil_scoped_release release;
      gcs::GcsClient client(gcs::GcsClient::Options{address, token, once});
      nodes = client.GetAllNodes();
    }
    if (!nodes.ok()) RaiseStatus(nodes.status());
    py::list out;
    for (const rpc::GcsNodeInfo& n : *nodes) {
      out.append(py::make_tuple(py::bytes(n.node_id()), n.state() == rpc::GcsNodeInfo::ALIVE));
    }
    return out;
  });

  // [(node id, alive, {label: value})]: what the autoscaler's tests watch.
  m.def("gcs_node_labels", [](const std::string& address, const std::string& token) {
    absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes;
    {
      py::gil_scoped_release release;
      gcs::GcsClient client(gcs::GcsClient::Options{address, token, OneAttempt()});
      nodes = client.GetAllNodes();
    }
    if (!nodes.ok()) RaiseStatus(nodes.status());
    py::list out;
    for (const rpc::GcsNodeInfo& n : *nodes) {
      std::map<std::string, std::string> labels(n.labels().begin(), n.labels().end());
      out.append(py::make_tuple(py::bytes(n.node_id()), n.state() == rpc::GcsNodeInfo::ALIVE, labels));
    }
    return out;
  });

  // DrainNode on the raylet of node `node_id` (hex): (accepted, reason,
  // idle_ms). What the autoscaler asks; the tests ask it directly.
  m.def("raylet_drain", [](const std::string& address, const std::string& token, const std::string& node_id,
                           bool drain) {
    rpc::DrainNodeReply reply;
    absl::Status status;
    {
      py::gil_scoped_release release;
      gcs::GcsClient client(gcs::GcsClient::Options{address, token, OneAttempt()});
      absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client.GetAllNodes();
      status = nodes.status();
      const rpc::GcsNodeInfo* node = nullptr;
      if (nodes.ok()) {
        for (const rpc::GcsNodeInfo& n : *nodes) {
          if (absl::BytesToHexString(n.node_id()) == node_id) node = &n;
        }
      }
      if (status.ok() && node == nullptr) status = absl::NotFoundError("no node " + node_id);
      if (status.ok()) {
        EventLoop loop;  // (only the blocking call below: it never runs)
        rpc::RayletClient raylet(loop, rpc::RayletAddress(*node), token);
        rpc::DrainNodeRequest request;
        request.set_drain(drain);
        absl::StatusOr<rpc::DrainNodeReply> drained = raylet.DrainNodeAndWait(std::move(request));
        status = drained.status();
        if (drained.ok()) reply = *std::move(drained);
      }
    }
    if (!status.ok()) RaiseStatus(status);
    return py::make_tuple(reply.accepted(), reply.reason(), reply.idle_ms());
  });

  // One internal-KV value as text, None when absent, without a driver.
  m.def("gcs_kv_get", [](const std::string& address, const std::string& token, const std::string& ns,
                         const std::string& key) -> py::object {
    absl::StatusOr<std::string> value;
    {
      py::gil_scoped_release release;
      gcs::GcsClient client(gcs::GcsClient::Options{address, token, OneAttempt()});
      value = client.KvGet(ns, key);
    }
    if (absl::IsNotFound(value.status())) return py::none();
    if (!value.ok()) RaiseStatus(value.status());
    return py::str(*value);
  });
  m.def("init_logging", [](const std::string& name, const std::string& dir) {
    if (LogFilePath().empty() && MakeDirectories(dir).ok()) InitLogging(name, dir);
  });
}

}  // namespace python
}  // namespace photon
