#include "dashboard/request_auth.h"

#include "gtest/gtest.h"

namespace photon {
namespace dashboard {
namespace {

namespace bhttp = boost::beast::http;

http::Request Make(bhttp::verb verb, std::vector<std::pair<std::string, std::string>> headers) {
  http::Request request(verb, "/api/jobs/", 11);
  for (auto& [name, value] : headers) request.set(name, value);
  return request;
}

TEST(CheckTokenTest, AcceptsEachWayOfSendingTheToken) {
  EXPECT_TRUE(CheckToken(Make(bhttp::verb::get, {{"Authorization", "Bearer s3cret"}}), "s3cret").ok());
  EXPECT_TRUE(CheckToken(Make(bhttp::verb::get, {{"X-Ray-Authorization", "Bearer s3cret"}}), "s3cret").ok());
  EXPECT_TRUE(CheckToken(Make(bhttp::verb::get, {{"Cookie", "a=b; photon_token=s3cret; c=d"}}), "s3cret").ok());
}

TEST(CheckTokenTest, MissingIsUnauthenticatedAndWrongIsPermissionDenied) {
  EXPECT_EQ(CheckToken(Make(bhttp::verb::get, {}), "s3cret").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckToken(Make(bhttp::verb::get, {{"Authorization", "Basic s3cret"}}), "s3cret").code(),
            absl::StatusCode::kUnauthenticated);
  absl::Status wrong = CheckToken(Make(bhttp::verb::get, {{"Authorization", "Bearer guess"}}), "s3cret");
  EXPECT_EQ(wrong.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(wrong.message().find("s3cret"), std::string::npos);
}

TEST(CheckBrowserOriginTest, LetsNonBrowsersAndReadsThrough) {
  EXPECT_TRUE(CheckBrowserOrigin(Make(bhttp::verb::post, {{"Host", "127.0.0.1:8265"}}), {}).ok());
  EXPECT_TRUE(CheckBrowserOrigin(Make(bhttp::verb::get, {{"Origin", "http://evil.example"}}), {}).ok());
}

TEST(CheckBrowserOriginTest, RefusesForeignOriginsRefererOnlyAndFetchMetadataOnly) {
  auto host = std::make_pair(std::string("Host"), std::string("127.0.0.1:8265"));
  EXPECT_EQ(CheckBrowserOrigin(Make(bhttp::verb::post, {host, {"Origin", "http://evil.example"}}), {}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckBrowserOrigin(Make(bhttp::verb::delete_, {host, {"Referer", "http://evil.example/x"}}), {}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckBrowserOrigin(Make(bhttp::verb::put, {host, {"Sec-Fetch-Site", "cross-site"}}), {}).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(CheckBrowserOriginTest, AllowsTheOwnOriginOnAnAddressOrAnAllowedName) {
  EXPECT_TRUE(CheckBrowserOrigin(
                  Make(bhttp::verb::post, {{"Host", "127.0.0.1:8265"}, {"Origin", "http://127.0.0.1:8265"}}), {})
                  .ok());
  EXPECT_TRUE(CheckBrowserOrigin(
                  Make(bhttp::verb::post, {{"Host", "localhost:8265"}, {"Origin", "http://localhost:8265"}}), {})
                  .ok());
  // DNS rebinding: the attacker's own name resolves to this machine, so Host
  // and Origin agree; the name is not one this dashboard answers to.
  auto rebound = Make(bhttp::verb::post, {{"Host", "evil.example:8265"}, {"Origin", "http://evil.example:8265"}});
  EXPECT_EQ(CheckBrowserOrigin(rebound, {}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(CheckBrowserOrigin(rebound, {"evil.example"}).ok());
}

TEST(LoginCookieTest, IsHttpOnlyAndSameSiteStrict) {
  EXPECT_EQ(LoginCookie("t"), "photon_token=t; Path=/; HttpOnly; SameSite=Strict");
}

}  // namespace
}  // namespace dashboard
}  // namespace photon
