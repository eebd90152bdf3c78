#pragma once
// Following a BigQuery job (Follow kind `bigquery_job`; the incremental merge script and the
// staging-table drop): jobs.get until status.state is DONE; DONE with status.errorResult is a
// failure. The job id is ours (jobReference.jobId), so a 409 "duplicate" after a resend
// attaches to the job the first send created. Statistics go to adapter_response as
// dbt-bigquery reports them. Not thread-safe (one executor).
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::dataproc {

std::unique_ptr<Follower> make_bigquery_job_follower();

}  // namespace dbtpy::submitters::dataproc
