#include "dashboard/request_auth.h"

#include <algorithm>

#include <boost/asio/ip/address.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/rpc/auth.h"

namespace photon {
namespace dashboard {
namespace {

namespace bhttp = boost::beast::http;

std::string Header(const http::Request& request, const std::string& name) {
  auto it = request.find(name);
  return it == request.end() ? "" : std::string(it->value());
}

// "Bearer <token>" -> token; anything else -> "".
std::string BearerToken(const std::string& value) {
  absl::string_view v = absl::StripAsciiWhitespace(value);
  if (!absl::ConsumePrefix(&v, "Bearer ") && !absl::ConsumePrefix(&v, "bearer ")) return "";
  return std::string(absl::StripAsciiWhitespace(v));
}

std::string CookieToken(const std::string& cookies) {
  for (absl::string_view part : absl::StrSplit(cookies, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, kTokenCookie) && absl::ConsumePrefix(&part, "=")) return std::string(part);
  }
  return "";
}

bool ChangesState(const http::Request& request) {
  switch (request.method()) {
    case bhttp::verb::get:
    case bhttp::verb::head:
    case bhttp::verb::options: return false;
    default: return true;
  }
}

bool FromBrowser(const http::Request& request) {
  for (const auto& field : request) {
    std::string name = absl::AsciiStrToLower(std::string(field.name_string()));
    if (name == "origin" || name == "referer" || absl::StartsWith(name, "sec-fetch-")) return true;
  }
  return false;
}

// "example.com:8265" -> "example.com"; "[::1]:8265" -> "::1".
std::string HostName(const std::string& host) {
  if (absl::StartsWith(host, "[")) return host.substr(1, host.find(']') - 1);
  return host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
}

bool HostAllowed(const std::string& host, const std::vector<std::string>& allowed) {
  std::string name = absl::AsciiStrToLower(HostName(host));
  if (name == "localhost") return true;
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  if (!ec) return true;
  return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
}

}  // namespace

bool IsPublicPath(const std::string& path) {
  return path == "/api/healthz" || path == "/api/gcs_healthz" || path == "/" || path == "/index.html" ||
         path == "/favicon.ico" || absl::StartsWith(path, "/static/");
}

absl::Status CheckToken(const http::Request& request, const std::string& token) {
  std::string given = BearerToken(Header(request, "Authorization"));
  if (given.empty()) given = BearerToken(Header(request, "X-Ray-Authorization"));
  if (given.empty()) given = CookieToken(Header(request, "Cookie"));
  if (given.empty()) {
    return absl::UnauthenticatedError(
        "this dashboard needs the cluster token: send 'Authorization: Bearer <token>' (the token is in the "
        "session's token file, or PHOTON_CLUSTER_TOKEN)");
  }
  if (!rpc::TokensEqual(given, token)) return absl::PermissionDeniedError("wrong cluster token");
  return absl::OkStatus();
}

absl::Status CheckBrowserOrigin(const http::Request& request, const std::vector<std::string>& allowed_hosts) {
  if (!ChangesState(request) || !FromBrowser(request)) return absl::OkStatus();
  std::string origin = Header(request, "Origin");
  std::string host = Header(request, "Host");
  std::string method(request.method_string());
  if (origin.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "refused a browser ", method, " without an Origin header: state-changing requests from a browser must "
        "come from the dashboard's own page"));
  }
  if (origin != absl::StrCat("http://", host) && origin != absl::StrCat("https://", host)) {
    return absl::PermissionDeniedError(absl::StrCat("refused a cross-origin ", method, " from ", origin,
                                                    ": only the dashboard's own page may change state"));
  }
  if (!HostAllowed(host, allowed_hosts)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "refused a browser ", method, " for host '", host, "': reach the dashboard by IP address or localhost, "
        "or list the name in --dashboard-allowed-hosts (this blocks DNS rebinding)"));
  }
  return absl::OkStatus();
}

std::string LoginCookie(const std::string& token) {
  return absl::StrCat(kTokenCookie, "=", token, "; Path=/; HttpOnly; SameSite=Strict");
}

}  // namespace dashboard
}  // namespace photon
