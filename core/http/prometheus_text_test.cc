#include "core/http/prometheus_text.h"

#include "gtest/gtest.h"

namespace photon {
namespace http {
namespace {

TEST(PrometheusTextTest, WritesFamiliesAndEscapedSamples) {
  PrometheusText out;
  out.Family("ray_tasks", "gauge", "Tasks by state\nnow");
  out.Sample("ray_tasks", {{"State", "RUNNING"}}, 3);
  out.Sample("ray_tasks", {{"State", "a\"b\\c\nd"}}, 0.25);
  out.Sample("up", {}, 1);
  EXPECT_EQ(out.Text(),
            "# HELP ray_tasks Tasks by state\\nnow\n"
            "# TYPE ray_tasks gauge\n"
            "ray_tasks{State=\"RUNNING\"} 3\n"
            "ray_tasks{State=\"a\\\"b\\\\c\\nd\"} 0.25\n"
            "up 1\n");
}

}  // namespace
}  // namespace http
}  // namespace photon
