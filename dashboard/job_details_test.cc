#include "dashboard/job_details.h"

#include "gtest/gtest.h"

namespace photon {
namespace dashboard {
namespace {

rpc::JobTableData Driver(const std::string& id, int64_t start, const std::string& submission = "") {
  rpc::JobTableData job;
  job.set_job_id(id);
  job.set_start_time_ms(start);
  job.set_driver_pid(42);
  job.set_driver_ip("10.0.0.1");
  job.set_entrypoint("python x.py");
  if (!submission.empty()) (*job.mutable_metadata())["job_submission_id"] = submission;
  return job;
}

TEST(JobDetailsTest, JoinsSubmissionsWithTheirDriversAndListsPlainDrivers) {
  JobInfo submitted = JobInfo::Pending(*ParseSubmitRequest(Json::parse(R"({"entrypoint": "python x.py",
                                                                            "submission_id": "sub"})")),
                                       200);
  rpc::JobTableData plain = Driver(std::string("\x01\x00\x00\x00", 4), 100);
  rpc::JobTableData linked = Driver(std::string("\x02\x00\x00\x00", 4), 300, "sub");
  linked.set_is_dead(true);
  std::vector<Json> all = JobDetailsOf({submitted}, {plain, linked});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["type"], "DRIVER");
  EXPECT_EQ(all[0]["job_id"], "01000000");
  EXPECT_EQ(all[0]["status"], "RUNNING");
  EXPECT_TRUE(all[0]["submission_id"].is_null());
  EXPECT_EQ(all[1]["type"], "SUBMISSION");
  EXPECT_EQ(all[1]["submission_id"], "sub");
  EXPECT_EQ(all[1]["job_id"], "02000000");
  EXPECT_EQ(all[1]["driver_info"]["pid"], "42");
  EXPECT_EQ(all[1]["status"], "PENDING");  // the submission's own status, not its driver's
  EXPECT_FALSE(all[1].contains("supervisor_pid"));

  EXPECT_EQ((*FindJobDetails(all, "sub"))["type"], "SUBMISSION");
  EXPECT_EQ((*FindJobDetails(all, "02000000"))["submission_id"], "sub");
  EXPECT_FALSE(FindJobDetails(all, "nope").has_value());
}

TEST(JobDetailsTest, ADriverThatDiedWithAReasonFailed) {
  rpc::JobTableData crashed = Driver(std::string("\x03\x00\x00\x00", 4), 100);
  crashed.set_is_dead(true);
  crashed.set_end_time_ms(150);
  crashed.set_end_reason("its driver exited without disconnecting");
  Json job = JobDetailsOf({}, {crashed})[0];
  EXPECT_EQ(job["status"], "FAILED");
  EXPECT_EQ(job["message"], "its driver exited without disconnecting");
  EXPECT_EQ(job["end_time"], 150);
}

}  // namespace
}  // namespace dashboard
}  // namespace photon
