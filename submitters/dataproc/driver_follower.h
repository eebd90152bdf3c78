#pragma once
// What the Dataproc batch and job followers share: after the terminal state, the driver
// output is read object by object (one exchange per poll) — always after a failure, where it
// holds the Python traceback, and after a success with --show-output — and then the terminal
// update is returned with the traceback taken from the output. Not thread-safe.
#include <string>

#include "submitters/dataproc/driver_output.h"
#include "submitters/follower.h"

namespace dbtpy::submitters::dataproc {

class DriverFollower : public Follower {
 public:
  std::string remote_output() const override { return output_.text(); }

 protected:
  // Records the terminal update and says whether output must be read first (kMore) or the
  // update stands (returned as is).
  FollowUpdate finish(FollowUpdate terminal, const std::string& output_uri, FollowIo& io);
  // Reads the next piece of output; the terminal update once done.
  FollowUpdate continue_output(FollowIo& io);
  bool reading_output() const { return reading_; }

 private:
  FollowUpdate complete();

  FollowUpdate terminal_;
  DriverOutput output_;
  bool reading_ = false;
};

}  // namespace dbtpy::submitters::dataproc
