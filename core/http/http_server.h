#pragma once

// HttpServer: HTTP/1.1 (and WebSocket upgrades) over Boost.Beast, for the
// dashboard's API and UI and for each raylet's Prometheus endpoint.
//
// The server parses requests with Beast (never by hand), hands each one to
// the Handler and writes what it returns; keep-alive, timeouts, a bound on
// open connections and on body sizes (413) are the server's job, so a slow
// or hostile client costs a socket, not a thread.
//
//   boost::asio::io_context io;
//   HttpServer server(io, {.host = "127.0.0.1", .port = 8265},
//                     [](const Request& r) { return TextResponse(r, 200, "ok"); });
//   RETURN_IF_ERROR(server.Start());
//   io.run();  // on as many threads as handlers may block at once
//
// Handlers run on whichever thread runs `io`, one request of a connection at
// a time; several connections' handlers may run at once when several threads
// run `io`, so a Handler must be thread-safe. A handler may block (a GCS
// call); it then holds that thread.
//
// Thread-safe after Start().

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "absl/status/status.h"

namespace photon {
namespace http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using RequestHeader = boost::beast::http::request_header<>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using WebSocket = boost::beast::websocket::stream<boost::beast::tcp_stream>;

class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port (see port())
    // Bodies larger than this are refused with 413 before they are read,
    // unless body_limit_for says otherwise for that request.
    uint64_t body_limit = 1 << 20;
    // Per request (from its header): a different limit, e.g. for uploads.
    std::function<uint64_t(const RequestHeader&)> body_limit_for;
    // More open connections than this are closed at once.
    int max_connections = 512;
    // A connection that sends nothing for this long is closed.
    int idle_timeout_s = 60;
  };
  using Handler = std::function<Response(const Request&)>;
  // Takes over a connection whose request asked for a WebSocket upgrade
  // (the handshake is not done yet: call accept(request)). Without one, an
  // upgrade request goes to the Handler like any other.
  using UpgradeHandler = std::function<void(const Request&, std::unique_ptr<WebSocket>)>;

  HttpServer(boost::asio::io_context& io, Options options, Handler handler);
  ~HttpServer();

  void SetUpgradeHandler(UpgradeHandler handler) { upgrade_ = std::move(handler); }

  // Binds and listens; InvalidArgument for a bad host, Unavailable naming
  // host:port when it cannot bind (in use).
  absl::Status Start();
  // Stops accepting; open connections end with their next request.
  // REQUIRES: called on a thread running `io`, or once `io` has stopped.
  void Stop();
  int port() const { return port_; }

  class Session;  // one connection (http_server.cc)

 private:
  void Accept();

  boost::asio::io_context& io_;
  const Options options_;
  const Handler handler_;
  UpgradeHandler upgrade_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<std::atomic<int>> open_connections_;
  int port_ = 0;
};

// A response to `request` (same HTTP version and keep-alive) with `status`,
// `body` and Content-Type `content_type`.
Response MakeResponse(const Request& request, int status, std::string body, const std::string& content_type);
inline Response TextResponse(const Request& request, int status, std::string body) {
  return MakeResponse(request, status, std::move(body), "text/plain; charset=utf-8");
}

}  // namespace http
}  // namespace photon
