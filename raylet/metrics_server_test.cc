#include "raylet/metrics_server.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/common/free_port.h"
#include "core/http/prometheus_text.h"
#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// One blocking request to 127.0.0.1:port.
http::Response Get(int port, const std::string& target, const std::string& authorization = "",
                   bhttp::verb verb = bhttp::verb::get) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::Request request(verb, target, 11);
  request.set(bhttp::field::host, "127.0.0.1");
  if (!authorization.empty()) request.set(bhttp::field::authorization, authorization);
  request.prepare_payload();
  bhttp::write(socket, request);
  boost::beast::flat_buffer buffer;
  http::Response response;
  bhttp::read(socket, buffer, response);
  return response;
}

MetricsServer::Options Options(int port) {
  MetricsServer::Options options;
  options.host = "127.0.0.1";
  options.port = port;
  options.token = "s3cret";
  options.labels = {"127.0.0.1", "session_x", false};
  return options;
}

TEST(MetricsServerTest, ServesTheLatestPublishedStatsToTokenHolders) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(Options(*port));
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->port(), *port);

  rpc::GetNodeStatsReply stats;
  stats.mutable_object_store()->set_num_objects(3);
  (*server)->Publish(stats);
  http::Response ok = Get(*port, "/metrics", "Bearer s3cret");
  EXPECT_EQ(ok.result_int(), 200);
  EXPECT_EQ(ok[bhttp::field::content_type], http::kPrometheusContentType);
  EXPECT_NE(ok.body().find("ray_object_store_num_local_objects{Component=\"raylet\",NodeAddress=\"127.0.0.1\","
                           "SessionName=\"session_x\"} 3\n"),
            std::string::npos)
      << ok.body();
  stats.mutable_object_store()->set_num_objects(4);
  (*server)->Publish(stats);
  EXPECT_NE(Get(*port, "/metrics", "Bearer s3cret").body().find("SessionName=\"session_x\"} 4\n"), std::string::npos);

  EXPECT_EQ(Get(*port, "/metrics").result_int(), 401);
  EXPECT_EQ(Get(*port, "/metrics", "Bearer guess").result_int(), 403);
  EXPECT_EQ(Get(*port, "/other", "Bearer s3cret").result_int(), 404);
  EXPECT_EQ(Get(*port, "/metrics", "Bearer s3cret", bhttp::verb::post).result_int(), 405);
  (*server)->Stop();
  (*server)->Stop();  // idempotent
}

TEST(MetricsServerTest, ATakenPortIsAClearError) {
  absl::StatusOr<int> port = PickFreePort();
  ASSERT_TRUE(port.ok());
  absl::StatusOr<std::unique_ptr<MetricsServer>> first = MetricsServer::Start(Options(*port));
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<MetricsServer>> second = MetricsServer::Start(Options(*port));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  EXPECT_NE(second.status().message().find(std::to_string(*port)), std::string::npos) << second.status();
}

}  // namespace
}  // namespace raylet
}  // namespace photon
