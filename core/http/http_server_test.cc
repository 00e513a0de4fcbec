#include "core/http/http_server.h"

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>

#include "gtest/gtest.h"

namespace photon {
namespace http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// A server on a free port with two threads, and a blocking Beast client.
class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServer::Options options) {
    server_ = std::make_unique<HttpServer>(io_, options, [](const Request& r) {
      return TextResponse(r, 200, std::string(r.target()) + ":" + r.body());
    });
    server_->SetUpgradeHandler([](const Request& r, std::unique_ptr<WebSocket> ws) {
      ws->accept(r);
      ws->text(true);
      ws->write(asio::buffer(std::string("hello ") + std::string(r.target())));
      ws->close(beast::websocket::close_code::normal);
    });
    ASSERT_TRUE(server_->Start().ok());
    for (int i = 0; i < 2; i++) threads_.emplace_back([this] { io_.run(); });
  }
  void TearDown() override {
    io_.stop();
    for (std::thread& t : threads_) t.join();
  }
  tcp::socket Connect() {
    tcp::socket socket(client_io_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return socket;
  }
  Response RoundTrip(tcp::socket& socket, Request request) {
    request.prepare_payload();
    bhttp::write(socket, request);
    beast::flat_buffer buffer;
    Response response;
    bhttp::read(socket, buffer, response);
    return response;
  }

  asio::io_context io_;
  asio::io_context client_io_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

TEST_F(HttpServerTest, AnswersSeveralRequestsOnOneConnection) {
  StartServer({});
  tcp::socket socket = Connect();
  for (int i = 0; i < 3; i++) {
    Request request(bhttp::verb::post, "/echo", 11);
    request.body() = "n" + std::to_string(i);
    Response response = RoundTrip(socket, request);
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "/echo:n" + std::to_string(i));
  }
}

TEST_F(HttpServerTest, RefusesTooLargeBodiesWith413) {
  HttpServer::Options options;
  options.body_limit = 10;
  options.body_limit_for = [](const RequestHeader& h) -> uint64_t { return h.target() == "/big" ? 100 : 10; };
  StartServer(options);
  tcp::socket small = Connect();
  Request request(bhttp::verb::put, "/small", 11);
  request.body() = std::string(50, 'x');
  Response response = RoundTrip(small, request);
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_NE(response.body().find("limit here is 10 bytes"), std::string::npos) << response.body();

  tcp::socket big = Connect();
  Request allowed(bhttp::verb::put, "/big", 11);
  allowed.body() = std::string(50, 'x');
  EXPECT_EQ(RoundTrip(big, allowed).result_int(), 200);
}

TEST_F(HttpServerTest, TakesBodiesPastBeastsDefaultLimitAndRefusesOversizedOnesBeforeReadingThem) {
  HttpServer::Options options;
  options.body_limit = 4 << 20;
  StartServer(options);
  tcp::socket socket = Connect();
  Request request(bhttp::verb::put, "/upload", 11);
  request.body() = std::string(3 << 20, 'x');  // past Beast's own 1 MiB default
  Response response = RoundTrip(socket, request);
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body().size(), std::string("/upload:").size() + (3 << 20));

  // 64 MiB announced, a little sent: the refusal comes back without the rest.
  tcp::socket big = Connect();
  std::string head = "PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n" + std::string(1000, 'x');
  asio::write(big, asio::buffer(head));
  beast::flat_buffer buffer;
  Response refused;
  bhttp::read(big, buffer, refused);
  EXPECT_EQ(refused.result_int(), 413);
}

TEST_F(HttpServerTest, HandsWebSocketUpgradesToTheUpgradeHandler) {
  StartServer({});
  WebSocket ws(Connect());
  ws.handshake("127.0.0.1", "/tail");
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "hello /tail");
  beast::error_code ec;
  ws.read(buffer, ec);
  EXPECT_EQ(ec, beast::websocket::error::closed);
  EXPECT_EQ(ws.reason().code, beast::websocket::close_code::normal);
}

TEST_F(HttpServerTest, ReportsAPortInUse) {
  StartServer({});
  HttpServer second(io_, {.host = "127.0.0.1", .port = server_->port()}, [](const Request& r) {
    return TextResponse(r, 200, "");
  });
  absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find(std::to_string(server_->port())), std::string::npos) << status;
}

}  // namespace
}  // namespace http
}  // namespace photon
