#pragma once

// PrometheusText: builds the Prometheus text exposition format (version
// 0.0.4) that GET /metrics answers, on the dashboard and on each raylet.
//
//   PrometheusText out;
//   out.Family("ray_node_cpu_utilization", "gauge", "CPU use of the node, percent");
//   out.Sample("ray_node_cpu_utilization", {{"NodeAddress", "10.0.0.5"}}, 37.5);
//   response.body() = out.Text();  // Content-Type: kPrometheusContentType
//
// Label values are escaped (backslash, quote, newline); names must already
// be valid ([a-zA-Z_:][a-zA-Z0-9_:]*). A family's samples follow its HELP
// and TYPE lines, in the order given. Thread-compatible.

#include <map>
#include <string>

namespace photon {
namespace http {

inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

class PrometheusText {
 public:
  using Labels = std::map<std::string, std::string>;

  // `type` is "gauge", "counter", "histogram", "summary" or "untyped".
  void Family(const std::string& name, const std::string& type, const std::string& help);
  void Sample(const std::string& name, const Labels& labels, double value);

  const std::string& Text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace http
}  // namespace photon
