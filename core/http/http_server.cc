#include "core/http/http_server.h"

#include <array>
#include <limits>
#include <optional>

#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"

namespace photon {
namespace http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Response MakeResponse(const Request& request, int status, std::string body, const std::string& content_type) {
  Response response(static_cast<bhttp::status>(status), request.version());
  response.set(bhttp::field::content_type, content_type);
  response.set(bhttp::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

// One connection: reads a header, decides the body limit, reads the body,
// runs the handler, writes its response, and again while keep-alive holds.
// Beast's asynchronous operations outlive any one call, so the session keeps
// itself alive through the shared_ptr each pending operation holds (Beast's
// own idiom; nothing else holds a session).
class HttpServer::Session : public std::enable_shared_from_this<HttpServer::Session> {
 public:
  Session(tcp::socket socket, HttpServer* server)
      : stream_(std::move(socket)), server_(server), open_(server->open_connections_) {}
  ~Session() { open_->fetch_sub(1); }

  void Start() { ReadHeader(); }

 private:
  void ReadHeader() {
    parser_.emplace();
    // Beast checks Content-Length against its default limit (1 MiB) while it
    // parses the header; OnHeader applies ours instead, with a 413.
    parser_->body_limit(std::numeric_limits<uint64_t>::max());  // (not boost::none: 1.74 compares len > none)
    stream_.expires_after(std::chrono::seconds(server_->options_.idle_timeout_s));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Close();
    const RequestHeader& header = parser_->get();
    const HttpServer::Options& options = server_->options_;
    uint64_t limit = options.body_limit_for ? options.body_limit_for(header) : options.body_limit;
    boost::optional<uint64_t> length = parser_->content_length();
    if (length && *length > limit) return RefuseTooLarge(limit);
    parser_->body_limit(limit);
    if (header[bhttp::field::expect] == "100-continue") {
      auto go_on = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, header.version());
      bhttp::async_write(stream_, *go_on, [self = shared_from_this(), go_on](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(std::chrono::seconds(server_->options_.idle_timeout_s));
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
  }

  void OnRequest(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return RefuseTooLarge(parser_->get().payload_size().value_or(0));
    if (ec) return Close();
    Request request = parser_->release();
    if (server_->upgrade_ && beast::websocket::is_upgrade(request)) {
      stream_.expires_never();
      server_->upgrade_(request, std::make_unique<WebSocket>(std::move(stream_)));
      return;
    }
    Response response;
    try {
      response = server_->handler_(request);
    } catch (const std::exception& e) {
      PHOTON_LOG(ERROR) << "HTTP handler of " << request.target() << " threw: " << e.what();
      response = TextResponse(request, 500, absl::StrCat("internal error: ", e.what()));
    }
    response.prepare_payload();
    Write(std::move(response));
  }

  void RefuseTooLarge(uint64_t limit) {
    Request header_only;
    header_only.version(parser_->get().version());
    Response response = TextResponse(header_only, 413,
                                     absl::StrCat("request body too large: the limit here is ", limit, " bytes"));
    response.keep_alive(false);
    refused_ = true;
    Write(std::move(response));
  }

  void Write(Response response) {
    response_ = std::make_shared<Response>(std::move(response));
    stream_.expires_after(std::chrono::seconds(server_->options_.idle_timeout_s));
    bhttp::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      bool again = !ec && self->response_->keep_alive();
      self->response_.reset();
      if (again) return self->ReadHeader();
      if (!ec && self->refused_) return self->DrainThenClose();
      self->Close();
    });
  }

  // After refusing a body still on its way: stop writing, and read (and drop)
  // what the client still sends for a little while, so the close does not
  // reset the connection before the client has read the refusal.
  void DrainThenClose() {
    Close();
    stream_.expires_after(std::chrono::seconds(2));
    stream_.async_read_some(boost::asio::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->DrainThenClose();
    });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  HttpServer* const server_;
  std::shared_ptr<std::atomic<int>> open_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<Response> response_;
  bool refused_ = false;
  std::array<char, 64 << 10> drain_;
};

HttpServer::HttpServer(asio::io_context& io, Options options, Handler handler)
    : io_(io),
      options_(std::move(options)),
      handler_(std::move(handler)),
      acceptor_(asio::make_strand(io)),
      open_connections_(std::make_shared<std::atomic<int>>(0)) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() {
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("HTTP server: bad host '", options_.host, "': ", ec.message()));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("HTTP server: cannot listen on ", options_.host, ":", options_.port, ": ", ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  Accept();
  return absl::OkStatus();
}

void HttpServer::Stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

void HttpServer::Accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (open_connections_->fetch_add(1) >= options_.max_connections) {
        open_connections_->fetch_sub(1);
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), this)->Start();
      }
    }
    Accept();
  });
}

}  // namespace http
}  // namespace photon
