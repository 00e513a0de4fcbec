#pragma once

// Who may use the dashboard, decided per request before any handler runs.
//
// 1. The cluster token: `Authorization: Bearer <token>`, `X-Ray-Authorization:
//    Bearer <token>` (what proxies in front of Ray's dashboard forward), or
//    the cookie POST /api/authenticate sets. None: Unauthenticated (401);
//    a wrong one: PermissionDenied (403). The health checks and the UI's
//    static files need none (IsPublicPath).
// 2. Browsers: a request that carries an Origin, Referer or Sec-Fetch-*
//    header and changes state (POST, PUT, DELETE, PATCH) must come from the
//    dashboard's own origin: Origin equal to http(s)://<Host>, where Host is
//    an IP address, `localhost`, or a name in `allowed_hosts`. That closes
//    the routes Ray's dashboard was attacked through: a foreign page
//    submitting a job (CVE-2023-48022), DNS rebinding (CVE-2025-62593: the
//    page's origin is then the attacker's name, which is not an allowed
//    host) and a cross-site DELETE (CVE-2026-27482).
//
//   RETURN_IF_ERROR(CheckBrowserOrigin(request, {}));
//   RETURN_IF_ERROR(CheckToken(request, token));
//
// Thread-safe (no state).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/http/http_server.h"

namespace photon {
namespace dashboard {

inline constexpr char kTokenCookie[] = "photon_token";

// Paths anyone may GET: /api/healthz, /api/gcs_healthz, the UI's page and
// its static files.
bool IsPublicPath(const std::string& path);

absl::Status CheckToken(const http::Request& request, const std::string& token);

absl::Status CheckBrowserOrigin(const http::Request& request, const std::vector<std::string>& allowed_hosts);

// The Set-Cookie value that logs a browser in with `token`.
std::string LoginCookie(const std::string& token);

}  // namespace dashboard
}  // namespace photon
