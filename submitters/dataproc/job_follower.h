#pragma once
// Following a Dataproc cluster job (Follow kind `dataproc_job`): jobs.get until status.state
// is DONE (success), ERROR or CANCELLED (failures); the driver output
// (driverOutputResourceUri) is read at the end as for batches. Not thread-safe.
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::dataproc {

std::unique_ptr<Follower> make_job_follower();

}  // namespace dbtpy::submitters::dataproc
