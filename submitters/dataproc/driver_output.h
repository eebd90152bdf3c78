#pragma once
// Reading a Dataproc driver's output from Cloud Storage: the driver writes it as numbered
// objects next to the URI Dataproc reports (batch runtimeInfo.outputUri, job
// driverOutputResourceUri): `<uri>.000000000`, `<uri>.000000001`, ... Each read_next() fetches
// one object (one exchange, so the executor keeps its one-exchange-per-advance rule); the text
// kept is the tail, ExecutionLimits::output_tail_bytes long at most, cut at a line start.
// Best effort: a failed read ends the output with a note instead of failing the model.
// Not thread-safe (one follower).
#include <string>

#include "submitters/follower.h"

namespace dbtpy::submitters::dataproc {

class DriverOutput {
 public:
  DriverOutput() = default;
  // `uri` is gs://bucket/path (without the .NNNNNNNNN suffix).
  explicit DriverOutput(std::string uri) : uri_(std::move(uri)) {}

  bool empty_uri() const { return uri_.empty(); }
  // Reads the next object; true when there is nothing more to read.
  bool read_next(FollowIo& io);
  const std::string& text() const { return text_; }
  const std::string& note() const { return note_; }

 private:
  std::string uri_;
  int index_ = 0;
  bool done_ = false;
  std::string text_;
  std::string note_;
};

// `<storage origin>/storage/v1/b/<bucket>/o/<object>?alt=media` of gs://bucket/object ("" when
// `uri` is not a gs:// URI).
std::string gcs_media_url(const std::string& storage_origin, const std::string& uri);

}  // namespace dbtpy::submitters::dataproc
