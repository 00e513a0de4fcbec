#include "dashboard/job_info.h"

#include "gtest/gtest.h"

namespace photon {
namespace dashboard {
namespace {

absl::Status ParseError(const std::string& body) { return ParseSubmitRequest(Json::parse(body)).status(); }

TEST(ParseSubmitRequestTest, ReadsEveryField) {
  absl::StatusOr<SubmitRequest> r = ParseSubmitRequest(Json::parse(R"({
      "entrypoint": "python run.py", "submission_id": "my-job_1",
      "runtime_env": {"working_dir": "gcs://_ray_pkg_ab.zip", "env_vars": {"A": "1"}},
      "metadata": {"owner": "me"}, "entrypoint_num_cpus": 1.5, "entrypoint_num_gpus": 0,
      "entrypoint_memory": 1024, "entrypoint_resources": {"special": 2}, "unknown_but_null": null})"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->entrypoint, "python run.py");
  EXPECT_EQ(r->submission_id, "my-job_1");
  EXPECT_EQ(r->runtime_env["env_vars"]["A"], "1");
  EXPECT_EQ(r->metadata.at("owner"), "me");
  EXPECT_EQ(r->entrypoint_num_cpus, 1.5);
  EXPECT_EQ(r->entrypoint_memory, 1024);
  EXPECT_EQ(r->entrypoint_resources.at("special"), 2);
}

TEST(ParseSubmitRequestTest, JobIdIsTheOldNameOfSubmissionId) {
  EXPECT_EQ(ParseSubmitRequest(Json::parse(R"({"entrypoint": "x", "job_id": "old"})"))->submission_id, "old");
  EXPECT_FALSE(ParseSubmitRequest(Json::parse(R"({"entrypoint": "x", "job_id": "a", "submission_id": "b"})")).ok());
}

TEST(ParseSubmitRequestTest, NamesWhatIsWrong) {
  EXPECT_NE(ParseError(R"({"entrypoint": "x", "entry_point": "y"})").message().find("unknown field 'entry_point'"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"entrypoint": 3})").message().find("'entrypoint' must be a string"), std::string::npos);
  EXPECT_NE(ParseError(R"({"submission_id": "a"})").message().find("'entrypoint' is required"), std::string::npos);
  EXPECT_NE(ParseError(R"({"entrypoint": "x", "metadata": {"k": 1}})").message().find("'metadata.k'"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"entrypoint": "x", "entrypoint_num_cpus": -1})").message().find(">= 0"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"entrypoint": "x", "runtime_env": {"pip": ["requests"]}})").message().find("'pip'"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"entrypoint": "x", "submission_id": "../etc"})").message().find("bad submission_id"),
            std::string::npos);
  EXPECT_EQ(ParseError("[1, 2]").code(), absl::StatusCode::kInvalidArgument);
}

TEST(JobInfoTest, RoundTripsThroughJson) {
  SubmitRequest request = *ParseSubmitRequest(Json::parse(R"({"entrypoint": "echo hi", "submission_id": "s"})"));
  JobInfo job = JobInfo::Pending(request, 1234);
  job.status = JobStatus::kFailed;
  job.driver_exit_code = 3;
  job.end_time_ms = 2000;
  job.error_type = "JOB_ENTRYPOINT_COMMAND_ERROR";
  absl::StatusOr<JobInfo> back = JobInfo::FromJson(Json::parse(job.ToJson().dump()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->request.entrypoint, "echo hi");
  EXPECT_EQ(back->status, JobStatus::kFailed);
  EXPECT_EQ(back->driver_exit_code, 3);
  EXPECT_EQ(back->end_time_ms, 2000);
  EXPECT_EQ(back->error_type, "JOB_ENTRYPOINT_COMMAND_ERROR");
  EXPECT_EQ(JobInfo::FromJson(Json::parse(R"({"status": "RUNNING"})")).status().code(), absl::StatusCode::kDataLoss);
}

TEST(GenerateSubmissionIdTest, LooksLikeRays) {
  std::string id = GenerateSubmissionId();
  EXPECT_EQ(id.rfind("raysubmit_", 0), 0u);
  EXPECT_EQ(id.size(), 26u);
  EXPECT_TRUE(CheckSubmissionId(id).ok());
  EXPECT_NE(id, GenerateSubmissionId());
}

}  // namespace
}  // namespace dashboard
}  // namespace photon
