#include "submitters/dataproc/driver_follower.h"

#include "submitters/failure_codes.h"
#include "submitters/traceback.h"

namespace dbtpy::submitters::dataproc {

FollowUpdate DriverFollower::finish(FollowUpdate terminal, const std::string& output_uri,
                                    FollowIo& io) {
  terminal_ = std::move(terminal);
  const bool want = terminal_.kind == FollowUpdate::Kind::kFailed ? !terminal_.remote_cancelled
                                                                  : io.show_output();
  if (!want || output_uri.empty()) return terminal_;
  output_ = DriverOutput(output_uri);
  reading_ = true;
  return FollowUpdate::more(terminal_.state);
}

FollowUpdate DriverFollower::continue_output(FollowIo& io) {
  if (!output_.read_next(io)) return FollowUpdate::more(terminal_.state);
  return complete();
}

FollowUpdate DriverFollower::complete() {
  reading_ = false;
  if (terminal_.kind == FollowUpdate::Kind::kFailed) {
    std::string tb = last_traceback(output_.text());
    if (!tb.empty()) {
      terminal_.traceback = tb;
      terminal_.code = codes::kPythonError;
    }
    if (!output_.note().empty()) terminal_.message += "\n(" + output_.note() + ")";
  }
  return terminal_;
}

}  // namespace dbtpy::submitters::dataproc
